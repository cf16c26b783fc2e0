import { mkdirSync } from "node:fs";
import { relative } from "node:path";
import type { Logger } from "../core/index.js";
import { DIMENSIONS, type Dimension, type Scores } from "../idea/index.js";
import { mixScores, saveEnsembleRewardModel } from "./ensemble-reward.js";
import type { RewardModel } from "./reward-model.js";
import { scoreIdeas } from "./score-ideas.js";

/** Validation papers of one dimension: text, label, venue-year. */
export type LabelledPaper = { text: string; label: number; group: string };

export type FitEnsembleOptions = {
  outDir: string;
  name: string;
  /** How a ranking is judged (the mean within-venue-year Spearman; eval/ provides it). */
  withinSpearman: (pred: readonly number[], label: readonly number[], groups: readonly string[]) => number | null;
  steps?: number; // grid resolution of the first member's share (default 10: 0, 0.1, ..., 1)
  provenance: Record<string, unknown>;
  log: Logger;
};

/**
 * Two reward models mixed per dimension, the share chosen on validation:
 *   mix_k = a_k · s_k(first) + (1 − a_k) · s_k(second),   a_k = argmax over a grid of val within-venue Spearman
 * then mapped to a percentile among the validation mixes. A share of 0 or 1 keeps one member alone, so the
 * ensemble is never chosen over a member that measures better on val.
 */
export async function fitEnsemble(
  members: readonly { model: RewardModel; dir: string }[],
  val: Record<Dimension, LabelledPaper[]>,
  o: FitEnsembleOptions,
): Promise<{ path: string; shares: Scores; metrics: Record<string, number | null> }> {
  if (members.length !== 2) throw new Error("an ensemble mixes exactly two reward models");
  const texts = DIMENSIONS.flatMap((d) => val[d].map((p) => p.text));
  const per: Map<string, Scores>[] = [];
  for (const m of members) per.push(await scoresByText(m.model, texts, o.log));
  const steps = o.steps ?? 10;
  const shares = {} as Scores;
  const reference = {} as Record<Dimension, number[]>;
  const metrics: Record<string, number | null> = {};
  for (const d of DIMENSIONS) {
    const papers = val[d];
    const label = papers.map((p) => p.label);
    const groups = papers.map((p) => p.group);
    const mixOf = (a: number) =>
      papers.map(
        (p) =>
          mixScores(
            per.map((s) => s.get(p.text) as Scores),
            [share(a), share(1 - a)],
          )[d],
      );
    let best = { a: 1, rho: Number.NEGATIVE_INFINITY };
    for (let i = 0; i <= steps; i++) {
      const a = i / steps;
      const rho = o.withinSpearman(mixOf(a), label, groups) ?? Number.NEGATIVE_INFINITY;
      if (i === 0) metrics[`ensemble/${d}/val_spearman_second_alone`] = rho;
      if (i === steps) metrics[`ensemble/${d}/val_spearman_first_alone`] = rho;
      if (rho > best.rho) best = { a, rho };
    }
    shares[d] = best.a;
    metrics[`ensemble/${d}/val_spearman`] = best.rho;
    reference[d] = mixOf(best.a).sort((x, y) => x - y);
    o.log.info(`${d}: share of ${members[0]?.model.name} ${best.a}, val within-venue Spearman ${best.rho.toFixed(4)}`);
  }
  mkdirSync(o.outDir, { recursive: true });
  const weightsOf = (first: boolean) =>
    Object.fromEntries(DIMENSIONS.map((d) => [d, first ? shares[d] : 1 - shares[d]])) as Scores;
  const path = saveEnsembleRewardModel(o.outDir, {
    name: o.name,
    members: members.map((m, i) => ({ dir: relative(o.outDir, m.dir) || ".", weights: weightsOf(i === 0) })),
    reference,
    provenance: o.provenance,
    metrics,
  });
  return { path, shares, metrics };
}

// One member's weight, the same on every dimension (the mix for dimension d reads only its own entry).
const share = (a: number): Scores => ({ novelty: a, feasibility: a, effectiveness: a });

/** One model's scores of the given texts (each once), by text. */
async function scoresByText(model: RewardModel, texts: readonly string[], log: Logger): Promise<Map<string, Scores>> {
  const unique = [...new Set(texts)];
  log.info(`scoring ${unique.length} validation texts with ${model.name}`);
  const out = new Map<string, Scores>();
  for (let i = 0; i < unique.length; i += 256) {
    const part = unique.slice(i, i + 256);
    const scores = await scoreIdeas(part, { model });
    for (const [k, sc] of scores.entries()) out.set(part[k] as string, sc);
  }
  return out;
}

/**
 * Three reward models, one per dimension, as one: dimension k is read from member k alone (novelty, feasibility,
 * effectiveness order), mapped to a percentile among that member's validation scores. Separate models (LDC
 * trains three) keep the three scores apart; a shared backbone pulls them towards one "better paper" quality.
 */
export async function composePerDimension(
  members: readonly { model: RewardModel; dir: string }[],
  val: Record<Dimension, LabelledPaper[]>,
  o: Omit<FitEnsembleOptions, "steps">,
): Promise<{ path: string; metrics: Record<string, number | null> }> {
  if (members.length !== DIMENSIONS.length)
    throw new Error(`a per-dimension ensemble takes ${DIMENSIONS.length} reward models, one per dimension`);
  const reference = {} as Record<Dimension, number[]>;
  const metrics: Record<string, number | null> = {};
  for (const [k, d] of DIMENSIONS.entries()) {
    // Member k is read for dimension k alone: it scores that dimension's papers only.
    const own = await scoresByText(
      (members[k] as { model: RewardModel }).model,
      val[d].map((p) => p.text),
      o.log,
    );
    const scores = val[d].map((p) => (own.get(p.text) as Scores)[d]);
    metrics[`ensemble/${d}/val_spearman`] = o.withinSpearman(
      scores,
      val[d].map((p) => p.label),
      val[d].map((p) => p.group),
    );
    reference[d] = scores.sort((x, y) => x - y);
  }
  mkdirSync(o.outDir, { recursive: true });
  const path = saveEnsembleRewardModel(o.outDir, {
    name: o.name,
    members: members.map((m, k) => ({
      dir: relative(o.outDir, m.dir) || ".",
      weights: Object.fromEntries(DIMENSIONS.map((d, j) => [d, j === k ? 1 : 0])) as Scores,
    })),
    reference,
    provenance: o.provenance,
    metrics,
  });
  return { path, metrics };
}
