import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CorruptFileError, IdeasteerError, writeFileAtomic } from "../core/index.js";
import { DIMENSIONS, type Scores } from "../idea/index.js";
import { determinant3, inverse3 } from "./calibration.js";
import { controllerFolder } from "./controller-set.js";

/** The file `steer fit-selection` writes beside the controllers, read by the whitened best-of-K objective. */
export const BEST_OF_K_FIT_FILE = "best-of-k.json";
const MAX_FIT_FILE_BYTES = 1024 * 1024;

const row = z.array(z.number().finite()).length(3);
const BestOfKFitSchema = z.object({
  format: z.literal("ideasteer-best-of-k-fit-v1"),
  /** Σ: the covariance of the reward models' scores among one round's candidates, DIMENSIONS order. */
  covariance: z.array(row).length(3),
  rounds: z.number().int().positive(), // rounds of candidates it was fitted on
  candidates: z.number().int().positive(), // scored candidates in them
  rewardModel: z.string(), // the reward model whose scores these are, relative to this file (select by the same)
  command: z.string(),
  /** λ for tracking best-of-K, chosen on the same rounds; absent in fits written before tracking existed. */
  step: z.number().positive().finite().optional(),
  /**
   * λ for anchored best-of-K (the target held from the idea's first round). A replay cannot choose it (it does not
   * carry a kept sentence into later rounds), so it is set from generation probes on val papers, named here.
   */
  anchoredStep: z.number().positive().finite().optional(),
  anchoredStepSource: z.string().max(2000).optional(),
  /** Every step tried and the controllability its replay gave (DIMENSIONS' names), for the record. */
  stepSearch: z
    .array(
      z.object({
        step: z.number().finite(),
        controllability: z.object({
          novelty: z.number().finite(),
          feasibility: z.number().finite(),
          effectiveness: z.number().finite(),
        }),
      }),
    )
    .max(64)
    .optional(),
});
export type BestOfKFit = z.infer<typeof BestOfKFitSchema>;

/**
 * Σ = Σ_rounds Σ_c (r_c − r̄_round)(r_c − r̄_round)ᵀ / (candidates − rounds): the pooled covariance of the scores
 * around each round's own mean. What differs between papers and weights (the round's mean) is taken out: only the
 * spread best-of-K chooses from is left. Rounds with fewer than two candidates carry no spread and are skipped.
 */
export function withinRoundCovariance(rounds: readonly (readonly Scores[])[]): {
  covariance: number[][];
  rounds: number;
  candidates: number;
} {
  const sum = DIMENSIONS.map(() => DIMENSIONS.map(() => 0));
  let used = 0;
  let candidates = 0;
  for (const round of rounds) {
    if (round.length < 2) continue;
    const mean = DIMENSIONS.map((d) => round.reduce((a, s) => a + s[d], 0) / round.length);
    for (const s of round) {
      const x = DIMENSIONS.map((d, k) => s[d] - (mean[k] as number));
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) (sum[i] as number[])[j] = (sum[i]?.[j] ?? 0) + (x[i] as number) * (x[j] as number);
    }
    used++;
    candidates += round.length;
  }
  if (candidates - used < 3)
    throw new RangeError(`best-of-K fit: ${used} rounds of two or more candidates; too few to fit a covariance`);
  const covariance = sum.map((r) => r.map((x) => x / (candidates - used)));
  if (!positiveDefinite(covariance))
    throw new IdeasteerError(
      "E_INPUT",
      `best-of-K fit: the candidates' scores do not vary on every dimension (variances ${covariance.map((r, k) => (r[k] as number).toExponential(1)).join(", ")} over ${used} rounds)`,
      {
        hint: "a policy that writes the same candidate whatever the seed (memorised text, temperature 0) leaves nothing to fit",
      },
    );
  return { covariance, rounds: used, candidates };
}

/** Where the fit for `dir` lies: in it, or beside the controllers it names (`dir`/controllers/); none: undefined. */
export function findBestOfKFit(dir: string): string | undefined {
  return [dir, controllerFolder(dir)].map((d) => d && join(d, BEST_OF_K_FIT_FILE)).find((p) => p && existsSync(p));
}

/** The fit for `dir` (findBestOfKFit), or null when there is none. */
export function loadBestOfKFit(dir: string): BestOfKFit | null {
  const f = findBestOfKFit(dir);
  if (!f) return null;
  if (statSync(f).size > MAX_FIT_FILE_BYTES) throw new CorruptFileError(f, "larger than 1 MiB; not a best-of-K fit");
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(f, "utf8"));
  } catch (e) {
    throw new CorruptFileError(f, "not JSON", { cause: e });
  }
  const parsed = BestOfKFitSchema.safeParse(raw);
  if (!parsed.success)
    throw new CorruptFileError(f, `not a best-of-K fit: ${parsed.error.issues[0]?.message ?? "invalid"}`, {
      hint: "write it again with `ideasteer steer fit-selection`",
    });
  if (!positiveDefinite(parsed.data.covariance))
    throw new CorruptFileError(f, "the covariance is not symmetric positive definite", {
      hint: "write it again with `ideasteer steer fit-selection`",
    });
  return parsed.data;
}

export function saveBestOfKFit(path: string, fit: BestOfKFit): void {
  writeFileAtomic(path, `${JSON.stringify(BestOfKFitSchema.parse(fit), null, 2)}\n`);
}

/** Σ⁻¹ exists and whitening means something only for a symmetric positive definite Σ (Sylvester's criterion). */
function positiveDefinite(m: readonly (readonly number[])[]): boolean {
  const g = (i: number, j: number) => m[i]?.[j] ?? 0;
  const symmetric = [0, 1, 2].every((i) => [0, 1, 2].every((j) => Math.abs(g(i, j) - g(j, i)) <= 1e-12));
  const minor2 = g(0, 0) * g(1, 1) - g(0, 1) * g(1, 0);
  const det = determinant3(m);
  return symmetric && g(0, 0) > 0 && minor2 > 0 && det > 0;
}

const precisions = new WeakMap<readonly (readonly number[])[], number[][]>();

/** Σ⁻¹, for the whitened and tracking objectives: inverted once per fit, not once per round. */
export function precisionOf(covariance: readonly (readonly number[])[]): number[][] {
  const known = precisions.get(covariance);
  if (known) return known;
  const precision = inverse3(covariance.map((r) => [...r]));
  precisions.set(covariance, precision);
  return precision;
}
