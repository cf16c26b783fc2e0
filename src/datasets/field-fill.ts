import { getIdeaField, IDEA_FIELDS, type Idea } from "../idea/index.js";
import type { FieldFill } from "./dataset-card.js";

/** How often each idea field is non-blank: counted while ideas stream by, reported as rates in the card. */
export type FillCounter = { ideas: number; filled: Record<string, number> };
export const newFill = (): FillCounter => ({ ideas: 0, filled: Object.fromEntries(IDEA_FIELDS.map((p) => [p, 0])) });
export function countFill(f: FillCounter, idea: Idea): void {
  f.ideas++;
  for (const p of IDEA_FIELDS) if (getIdeaField(idea, p).trim() !== "") f.filled[p] = (f.filled[p] ?? 0) + 1;
}
/** Fill rate of each field over a set of ideas (rates rounded to 4 decimals). */
export function fillRates(f: FillCounter): FieldFill {
  return Object.fromEntries(
    IDEA_FIELDS.map((p) => {
      const filled = f.filled[p] ?? 0;
      return [p, { filled, rate: f.ideas > 0 ? round4(filled / f.ideas) : 0 }];
    }),
  ) as FieldFill;
}
export function fieldFillOf(ideas: Idea[]): FieldFill {
  const f = newFill();
  for (const i of ideas) countFill(f, i);
  return fillRates(f);
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
