import { DIMENSIONS, type Scores } from "../api";

const W = 260;
const H = 90;
const PAD = 6;

/**
 * The reward models' running scores of an idea, sentence by sentence (one line per dimension, 0 to 1), and the
 * final scores as numbers beside it.
 */
export function ScoreChart({ running, final }: { running: (Scores | null)[]; final: Scores | null }) {
  const points = running.filter((s): s is Scores => s !== null);
  const x = (i: number) => PAD + (points.length > 1 ? (i / (points.length - 1)) * (W - 2 * PAD) : 0);
  const y = (v: number) => H - PAD - v * (H - 2 * PAD);
  return (
    <figure className="score-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="scores as the idea was written">
        <rect x={0} y={0} width={W} height={H} className="plot-bg" />
        {DIMENSIONS.map((d) => (
          <polyline key={d} className={`line ${d}`} points={points.map((s, i) => `${x(i)},${y(s[d])}`).join(" ")} />
        ))}
      </svg>
      {final && (
        <figcaption className="final-scores" data-testid="final-scores">
          {DIMENSIONS.map((d) => (
            <span key={d} className={`score ${d}`}>
              {d} <b>{final[d].toFixed(2)}</b>
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
