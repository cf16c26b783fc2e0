import { EQUAL_WEIGHTS, type Idea, type Scores } from "../idea/index.js";
import type { BestOfKCost } from "../steer/index.js";
import type { IdeaEvent, RelatedWork } from "./generate-ideas.js";

/** One idea as `generate --json` prints it and `POST /api/ideas` returns it (DESIGN §9): change only compatibly. */
export type IdeaRecord = {
  index: number;
  text: string;
  idea: Idea;
  scores: Scores | null;
  weights: Scores;
  strengths: number[][]; // eps per sentence; empty: no steering applied
  related: RelatedWork[];
  backend: string;
  models: Record<string, string>;
  seed: number;
  compute?: BestOfKCost; // best-of-K only: candidates sampled and scored for this idea
  uncontrolled?: true; // control was asked for, but its attempts left the layout: this idea was written without it
};

export function ideaRecord(
  e: Extract<IdeaEvent, { type: "idea" }>,
  meta: { backend: string; models: Record<string, string>; weights?: Scores },
): IdeaRecord {
  return {
    index: e.index,
    text: e.text,
    idea: e.idea,
    scores: e.scores,
    weights: meta.weights ?? EQUAL_WEIGHTS,
    strengths: e.strengths,
    related: e.related,
    backend: meta.backend,
    models: meta.models,
    seed: e.seed,
    ...(e.compute ? { compute: e.compute } : {}),
    ...(e.uncontrolled ? { uncontrolled: true as const } : {}),
  };
}
