import { useState } from "react";
import { api, type IdeaRecord, type SentenceEvent } from "../api";
import { ScoreChart } from "./ScoreChart";
import { StrengthBars } from "./StrengthBars";

const SECTION: Record<string, string> = {
  title: "Title",
  method: "Method",
  "experimentPlan.datasets": "Datasets",
  "experimentPlan.baselines": "Baselines",
  "experimentPlan.evaluation": "Evaluation",
};

/** One idea as it streams: its sentences with the strengths each was written with, then its scores and rating. */
export type IdeaView = { index: number; sentences: SentenceEvent[]; record: IdeaRecord | null };

export function IdeaCard({
  view,
  rank,
  duplicateOf = null,
  maxStrength,
  selected,
  onSelect,
}: {
  view: IdeaView;
  rank: number | null;
  duplicateOf?: string | null; // the title of the better-ranked idea it nearly repeats
  maxStrength: number;
  selected: boolean;
  onSelect: (on: boolean) => void;
}) {
  const { record, sentences } = view;
  const title = record?.idea.title ?? sentences.find((s) => s.section === "title")?.text ?? "…";
  return (
    <article
      className={`idea ${record ? "complete" : "writing"}${duplicateOf ? " duplicate" : ""}`}
      data-testid="idea"
      aria-busy={!record}
    >
      <header>
        <h3>
          {rank !== null && <span className="rank">#{rank}</span>} {title}
        </h3>
        <span className="status">
          {duplicateOf ? `near-duplicate of "${duplicateOf}": set aside` : record ? "done" : "writing…"}
        </span>
      </header>
      <ol className="sentences">
        {sentences.map((s, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a sentence's place in its attempt is its identity
          <li key={`${s.attempt}-${i}`} className="sentence" data-testid="sentence">
            <span className="section">{SECTION[s.section] ?? s.section}</span>
            <span className="text">{s.text}</span>
            <StrengthBars strengths={s.strengths} max={maxStrength} />
          </li>
        ))}
      </ol>
      <ScoreChart running={sentences.map((s) => s.scores)} final={record?.scores ?? null} />
      {record?.id !== undefined && (
        <footer>
          <Rating id={record.id} />
          <label className="compare-pick">
            <input type="checkbox" checked={selected} onChange={(e) => onSelect(e.target.checked)} /> compare
          </label>
        </footer>
      )}
    </article>
  );
}

/** 1-5, kept by the server as data for the reward models. */
export function Rating({ id, initial = null }: { id: number; initial?: number | null }) {
  const [score, setScore] = useState<number | null>(initial);
  const [error, setError] = useState("");
  return (
    <fieldset className="rating">
      <legend className="visually-hidden">rate this idea</legend>
      {[1, 2, 3, 4, 5].map((s) => (
        <button
          key={s}
          type="button"
          aria-pressed={score === s}
          onClick={() =>
            api.rate(id, s).then(
              () => setScore(s),
              (e: Error) => setError(e.message),
            )
          }
        >
          {s}
        </button>
      ))}
      {error && <span className="error">{error}</span>}
    </fieldset>
  );
}
