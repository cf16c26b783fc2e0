import { useEffect, useRef, useState } from "react";
import { type Control, type IdeaRecord, type PaperInput, type Ranking, type Scores, streamIdeas } from "../api";
import { Alert } from "./Alert";
import { Compare } from "./Compare";
import { IdeaCard, type IdeaView } from "./IdeaCard";
import { WeightPicker } from "./WeightPicker";

const EQUAL: Scores = { novelty: 1 / 3, feasibility: 1 / 3, effectiveness: 1 / 3 };
const PREFERRED: Control[] = ["dynamic", "static", "none"];

/** Weights, control and count; then the ideas streaming in, ranked by the weights once all are written. */
export function GeneratePanel({ paper, controls }: { paper: PaperInput; controls: Control[] }) {
  const [weights, setWeights] = useState<Scores>(EQUAL);
  const [control, setControl] = useState<Control>(PREFERRED.find((c) => controls.includes(c)) ?? "none");
  const [n, setN] = useState(2);
  const [seed, setSeed] = useState(1);
  const [ideas, setIdeas] = useState<IdeaView[]>([]);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState("");
  const [picked, setPicked] = useState<number[]>([]);
  const [ranking, setRanking] = useState<Ranking | null>(null);
  const stop = useRef<AbortController | null>(null);
  useEffect(() => () => stop.current?.abort(), []); // leaving the page hangs up: the server stops generating

  const generate = async () => {
    stop.current?.abort();
    const abort = new AbortController();
    stop.current = abort;
    setIdeas([]);
    setPicked([]);
    setRanking(null);
    setError("");
    setRunning(true);
    try {
      await streamIdeas(
        { paper, n, weights, control, seed },
        (e) => {
          if (e.type === "sentence") setIdeas((v) => withSentence(v, e.data.index, e.data));
          else if (e.type === "idea") setIdeas((v) => withRecord(v, e.data));
          else if (e.type === "done") setRanking(e.data.ranking);
          else if (e.type === "error") setError(e.data.message);
        },
        abort.signal,
      );
    } catch (e) {
      if (!abort.signal.aborted) setError((e as Error).message);
    } finally {
      if (stop.current === abort) setRunning(false);
    }
  };

  const complete = ideas.filter((i) => i.record);
  const done = !running && complete.length > 0;
  // The server's ranking once every idea is in (near-duplicates last, marked); while they stream, as written.
  const shown = done && ranking ? rankedViews(ideas, ranking) : ideas;
  const maxStrength = Math.max(1e-9, ...ideas.flatMap((i) => i.sentences.flatMap((s) => s.strengths.map(Math.abs))));
  const [pa, pb] = picked.map((id) => complete.find((i) => i.record?.id === id)?.record);

  return (
    <section className="generate" aria-label="generate ideas">
      <div className="controls">
        <WeightPicker value={weights} onChange={setWeights} />
        <div className="options">
          <label>
            Control
            <select value={control} onChange={(e) => setControl(e.target.value as Control)}>
              {controls.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            Ideas
            <input type="number" min={1} max={8} value={n} onChange={(e) => setN(clampInt(e.target.value, 1, 8))} />
          </label>
          <label>
            Seed
            <input
              type="number"
              min={0}
              value={seed}
              onChange={(e) => setSeed(clampInt(e.target.value, 0, 2 ** 31 - 1))}
            />
          </label>
          {running ? (
            <button type="button" onClick={() => stop.current?.abort()}>
              Stop
            </button>
          ) : (
            <button type="button" className="primary" onClick={generate}>
              Generate ideas
            </button>
          )}
        </div>
      </div>
      {error && <Alert message={error} />}
      {running && (
        <p role="status">
          writing idea {Math.min(complete.length + 1, n)} of {n}…
        </p>
      )}
      {done && (
        <p role="status">{complete.length === 1 ? "1 idea" : `${complete.length} ideas`}, ranked by your weights.</p>
      )}
      {ideas.length > 0 && <StrengthLegend />}
      {pa && pb && <Compare a={comparable(pa)} b={comparable(pb)} onDone={() => setPicked([])} />}
      <div className="ideas">
        {shown.map((v, i) => (
          <IdeaCard
            key={v.index}
            view={v}
            rank={done && !duplicateOf(ranking, v.index, ideas) ? i + 1 : null}
            duplicateOf={duplicateOf(ranking, v.index, ideas)}
            maxStrength={maxStrength}
            selected={v.record?.id !== undefined && picked.includes(v.record.id)}
            onSelect={(on) => {
              const id = v.record?.id;
              if (id !== undefined)
                setPicked((p) => (on ? [...p.filter((x) => x !== id), id].slice(-2) : p.filter((x) => x !== id)));
            }}
          />
        ))}
      </div>
    </section>
  );
}

/** What the bars beside each sentence mean. */
const StrengthLegend = () => (
  <p className="legend">
    Bars beside each sentence: the steering strength it was written with, for{" "}
    <span className="key novelty">novelty</span>, <span className="key feasibility">feasibility</span> and{" "}
    <span className="key effectiveness">effectiveness</span>; the chart: the reward models' scores as the idea grew.
  </p>
);

/** The ideas in the ranking's order, then the near-duplicates it set aside. */
function rankedViews(views: IdeaView[], r: Ranking): IdeaView[] {
  const at = (index: number) => views.filter((v) => v.index === index);
  return [...r.order.flatMap(at), ...r.dropped.flatMap((d) => at(d.index))];
}

/** The title of the idea that `index` nearly repeats, if the ranking set it aside. */
function duplicateOf(r: Ranking | null, index: number, views: IdeaView[]): string | null {
  const d = r?.dropped.find((x) => x.index === index);
  return d ? (views.find((v) => v.index === d.duplicateOf)?.record?.idea.title ?? `idea ${d.duplicateOf + 1}`) : null;
}

const clampInt = (s: string, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(Number(s) || lo)));

/** A new sentence; a regenerated idea (a higher attempt) starts its sentences again. */
function withSentence(views: IdeaView[], index: number, s: IdeaView["sentences"][number]): IdeaView[] {
  const current = views.find((v) => v.index === index);
  if (!current) return [...views, { index, sentences: [s], record: null }];
  const last = current.sentences[current.sentences.length - 1];
  const sentences = last && last.attempt !== s.attempt ? [s] : [...current.sentences, s];
  return views.map((v) => (v.index === index ? { ...v, sentences } : v));
}

function withRecord(views: IdeaView[], r: IdeaRecord): IdeaView[] {
  if (!views.some((v) => v.index === r.index)) return [...views, { index: r.index, sentences: [], record: r }];
  return views.map((v) => (v.index === r.index ? { ...v, record: r } : v));
}

const comparable = (r: IdeaRecord) => ({ id: r.id ?? 0, idea: r.idea, scores: r.scores });
