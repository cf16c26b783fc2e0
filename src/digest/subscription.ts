import { randomBytes } from "node:crypto";
import { z } from "zod";
import { IdeasteerError } from "../core/index.js";
import type { Scores } from "../idea/index.js";
import { termCounts } from "../library/index.js";

/** A saved search mailed to one address: what `digest add` stores and `digest run` reads. */
export type Subscription = {
  id: number;
  query: string; // library search words; a paper matches when it holds all of them (BM25 orders the matches)
  email: string;
  weights: Scores; // rank (and steer) the ideas, on the simplex
  ideasPerPaper: number;
  maxPapers: number; // per email
  token: string; // unsubscribe token: 128 random bits as 32 hex digits
  cursorPk: number; // the last papers.pk this subscription has seen: newer rows are "new"
  createdAt: string; // ISO time
  unsubscribedAt: string | null;
};

export const MAX_QUERY_CHARS = 500;
/** RFC 5321 caps a path at 256 octets; a practical address is far shorter. */
export const MAX_EMAIL_CHARS = 254;

/** The fields `digest add` checks before anything is stored; each message says what to change. */
export const SubscriptionFields = z.object({
  query: z
    .string()
    .trim()
    .min(1, "the query is empty: give the words a paper must contain")
    .max(MAX_QUERY_CHARS, `the query is longer than ${MAX_QUERY_CHARS} characters`)
    .refine((q) => termCounts(q).size > 0, "the query has no searchable words (only stopwords or punctuation)"),
  email: z.email(`not an email address: give one like name@example.org`).max(MAX_EMAIL_CHARS),
  ideasPerPaper: z.number().int().min(1).max(16),
  maxPapers: z.number().int().min(1).max(100),
});
export type SubscriptionFields = z.infer<typeof SubscriptionFields>;
/** What DigestStore.subscribe stores: checked fields, the weights, and where the cursor starts. */
export type NewSubscription = SubscriptionFields & { weights: Scores; cursorPk: number };

/** Checks a new subscription's fields; throws an E_INPUT error naming every problem. */
export function checkSubscriptionFields(fields: z.input<typeof SubscriptionFields>): SubscriptionFields {
  const parsed = SubscriptionFields.safeParse(fields);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  throw new IdeasteerError("E_INPUT", `cannot subscribe: ${issues}`, {
    hint: 'e.g. ideasteer digest add "controllable generation" --to you@example.org --weights 2,1,1',
  });
}

/** 128 random bits as 32 lowercase hex digits: unguessable, so it alone authorises an unsubscribe. */
export const newUnsubscribeToken = (): string => randomBytes(16).toString("hex");
export const UNSUBSCRIBE_TOKEN = /^[0-9a-f]{32}$/;
