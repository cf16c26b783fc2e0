import { useState } from "react";
import { api, DIMENSIONS, type Idea, type Scores } from "../api";

export type Comparable = { id: number; idea: Idea; scores: Scores | null };

/** Two ideas side by side; the preference is kept as data for the reward models. */
export function Compare({ a, b, onDone }: { a: Comparable; b: Comparable; onDone: () => void }) {
  const [saved, setSaved] = useState("");
  const prefer = (better: Comparable, worse: Comparable) =>
    api.prefer(better.id, worse.id).then(
      () => setSaved(`kept: idea ${better.id} over idea ${worse.id}`),
      (e: Error) => setSaved(e.message),
    );
  return (
    <section className="compare" aria-label="compare two ideas">
      <h2>Compare</h2>
      <div className="side-by-side">
        {[a, b].map((x, i) => (
          <article key={x.id} className="idea">
            <h3>{x.idea.title}</h3>
            <p>
              <b>Method.</b> {x.idea.method}
            </p>
            <ul>
              <li>Datasets: {x.idea.experimentPlan.datasets}</li>
              <li>Baselines: {x.idea.experimentPlan.baselines}</li>
              <li>Evaluation: {x.idea.experimentPlan.evaluation}</li>
            </ul>
            {x.scores && (
              <p className="scores">{DIMENSIONS.map((d) => `${d} ${x.scores?.[d].toFixed(2)}`).join(" · ")}</p>
            )}
            <button type="button" onClick={() => prefer(x, i === 0 ? b : a)}>
              This one is better
            </button>
          </article>
        ))}
      </div>
      {saved && <p role="status">{saved}</p>}
      <button type="button" className="link" onClick={onDone}>
        close
      </button>
    </section>
  );
}
