import { type PointerEvent, useRef } from "react";
import { DIMENSIONS, type Dimension, type Scores } from "../api";

// The simplex as a triangle: novelty at the top, feasibility bottom-left, effectiveness bottom-right.
const SIZE = 240;
const H = (SIZE * Math.sqrt(3)) / 2;
const PAD = 16;
const CORNERS: Record<Dimension, [number, number]> = {
  novelty: [PAD + SIZE / 2, PAD],
  feasibility: [PAD, PAD + H],
  effectiveness: [PAD + SIZE, PAD + H],
};
const LABEL: Record<Dimension, string> = {
  novelty: "Novelty",
  feasibility: "Feasibility",
  effectiveness: "Effectiveness",
};

/** Weights -> the point they mark (barycentric coordinates). */
function pointOf(w: Scores): [number, number] {
  return DIMENSIONS.reduce<[number, number]>(
    ([x, y], d) => [x + w[d] * CORNERS[d][0], y + w[d] * CORNERS[d][1]],
    [0, 0],
  );
}

/** A point -> weights, clamped onto the triangle. */
function weightsAt(x: number, y: number): Scores {
  const [ax, ay] = CORNERS.novelty;
  const [bx, by] = CORNERS.feasibility;
  const [cx, cy] = CORNERS.effectiveness;
  const det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
  const n = ((by - cy) * (x - cx) + (cx - bx) * (y - cy)) / det;
  const f = ((cy - ay) * (x - cx) + (ax - cx) * (y - cy)) / det;
  return normalise({ novelty: n, feasibility: f, effectiveness: 1 - n - f });
}

export function normalise(w: Scores): Scores {
  const c = {
    novelty: Math.max(0, w.novelty),
    feasibility: Math.max(0, w.feasibility),
    effectiveness: Math.max(0, w.effectiveness),
  };
  const sum = c.novelty + c.feasibility + c.effectiveness;
  if (sum <= 0) return { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 };
  return { novelty: c.novelty / sum, feasibility: c.feasibility / sum, effectiveness: c.effectiveness / sum };
}

/** Sets one weight and shares the rest among the others in their current proportion. */
export function setWeight(w: Scores, d: Dimension, value: number): Scores {
  const v = Math.min(1, Math.max(0, value));
  const others = DIMENSIONS.filter((o) => o !== d);
  const rest = others.reduce((s, o) => s + w[o], 0);
  const out = { ...w, [d]: v };
  for (const o of others) out[o] = rest > 0 ? (w[o] / rest) * (1 - v) : (1 - v) / others.length;
  return out;
}

/**
 * Three weights on a simplex: drag the point in the triangle, or use the three sliders (the keyboard's way: each
 * slider sets its weight and shares the rest among the other two).
 */
export function WeightPicker({ value, onChange }: { value: Scores; onChange: (w: Scores) => void }) {
  const svg = useRef<SVGSVGElement>(null);
  const [px, py] = pointOf(value);
  const fromPointer = (e: PointerEvent<SVGSVGElement>) => {
    const box = svg.current?.getBoundingClientRect();
    if (!box) return;
    const scale = (SIZE + 2 * PAD) / box.width;
    onChange(weightsAt((e.clientX - box.left) * scale, (e.clientY - box.top) * scale));
  };
  const pct = (d: Dimension) => `${Math.round(value[d] * 100)}%`;
  return (
    <fieldset className="weights">
      <legend>Steer the ideas</legend>
      <svg
        ref={svg}
        className="triangle"
        viewBox={`0 0 ${SIZE + 2 * PAD} ${H + 2 * PAD + 14}`}
        role="img"
        aria-label={`weights: novelty ${pct("novelty")}, feasibility ${pct("feasibility")}, effectiveness ${pct("effectiveness")}; the sliders below set them too`}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          fromPointer(e);
        }}
        onPointerMove={(e) => e.buttons === 1 && fromPointer(e)}
      >
        <polygon points={DIMENSIONS.map((d) => CORNERS[d].join(",")).join(" ")} className="simplex" />
        {DIMENSIONS.map((d) => (
          <text
            key={d}
            x={CORNERS[d][0]}
            y={d === "novelty" ? CORNERS[d][1] - 4 : CORNERS[d][1] + 14}
            textAnchor={d === "feasibility" ? "start" : d === "effectiveness" ? "end" : "middle"}
            className={`corner ${d}`}
          >
            {LABEL[d]}
          </text>
        ))}
        <circle cx={px} cy={py} r={8} className="handle" />
      </svg>
      <div className="sliders">
        {DIMENSIONS.map((d) => (
          <label key={d} className={`slider ${d}`}>
            <span>{LABEL[d]}</span>
            <input
              type="range"
              min={0}
              max={100}
              step={1}
              value={Math.round(value[d] * 100)}
              aria-label={`${LABEL[d]} weight`}
              onChange={(e) => onChange(setWeight(value, d, Number(e.target.value) / 100))}
            />
            <output data-testid={`weight-${d}`}>{pct(d)}</output>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
