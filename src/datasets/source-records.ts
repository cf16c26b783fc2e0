import { z } from "zod";
import { InputError } from "../core/index.js";

/**
 * The record shapes of ../shared/data (see its README), checked line by line as they are read so
 * that a malformed row is reported with its file and line instead of failing later.
 */
export const PaperRecord = z.object({
  id: z.string().min(1),
  title: z.string(),
  abstract: z.string(),
  venue: z.string().nullable(),
  year: z.number().int().nullable(),
  dup_ids: z.array(z.string()).default([]),
});
export type PaperRecord = z.infer<typeof PaperRecord>;

export const CitationReference = z.object({
  index: z.number().int().nullable(),
  label: z.string().nullable(),
  text: z.string(),
  paper_id: z.string().nullable(),
  in_text_count: z.number().int().min(0),
});
export type CitationReference = z.infer<typeof CitationReference>;

const Section = z.string().nullable().default(null);
export const CitationRecord = z.object({
  citing_id: z.string().min(1),
  sections: z.object({ introduction: Section, related_work: Section, method: Section, experiments: Section }),
  method_fallback: z.boolean().default(false),
  references: z.array(CitationReference),
});
export type CitationRecord = z.infer<typeof CitationRecord>;

const Score = z.number().nullable().default(null);
export const ReviewScores = z.object({
  rating: Score,
  confidence: Score,
  soundness: Score,
  technical_novelty: Score,
  empirical_novelty: Score,
  originality: Score,
  impact: Score,
  clarity: Score,
  presentation: Score,
});
export type ReviewScores = z.infer<typeof ReviewScores>;
export type ScoreField = keyof ReviewScores;

export const ScoreScale = z.object({ min: z.number(), max: z.number() });
export type ScoreScale = z.infer<typeof ScoreScale>;

export const ReviewRecord = z.object({
  id: z.string().min(1),
  title: z.string(),
  abstract: z.string(),
  venue: z.string(),
  year: z.number().int(),
  decision: z.string().nullable().default(null),
  rating_scale: ScoreScale.nullable().default(null),
  scales: z.record(z.string(), ScoreScale.nullable()).default({}),
  reviews: z.array(ReviewScores),
});
export type ReviewRecord = z.infer<typeof ReviewRecord>;

/** Validates one parsed line against a record schema; an InputError names the file, line and field. */
export function checkRecord<T>(schema: z.ZodType<T>, value: unknown, file: string, line: number): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new InputError({ file, line }, `${issue?.path.join(".") || "(record)"}: ${issue?.message ?? "invalid record"}`);
}
