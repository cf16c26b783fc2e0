import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, createProgress, createRng, type Logger, writeFileAtomic } from "../core/index.js";
import { DIMENSIONS, type Dimension, type Scores, weightedSum } from "../idea/index.js";
import type { SourcePaper } from "../ideas/index.js";
import { createScoreCache, type RewardModel, scoreIdeas } from "../reward/index.js";
import { type MetricsRecord, renderMetricsSvg } from "../train/index.js";
import { type Interval, percentileInterval } from "./bootstrap.js";
import { calibrationSvg } from "./calibration-svg.js";
import {
  type ControlSample,
  controllability,
  controllabilityCeiling,
  controllabilityWithinPaper,
  gridMeans,
  hypervolume3d,
  type PairCeiling,
  paretoFront,
  simplexGrid,
} from "./control-metrics.js";
import {
  type GridPointVersus,
  type HypervolumeVersus,
  hypervolumeVersus,
  versusBaseline,
  versusSummary,
} from "./control-versus.js";
import { IdeasJournal, type SavedIdea } from "./ideas-journal.js";

/** A way of generating ideas under weights: a model plus a control mode (a row of the ablation table). */
export type ControlSystem = {
  name: string;
  /** false: the weights never reach generation, so one set of ideas per paper serves every grid point. */
  steers: boolean;
  generate(paper: SourcePaper, w: Scores, seed: number): Promise<string>;
  /** Top of K: each idea is the best of K candidates by w · score under the training evaluator (generate -n K). */
  topOf?: number;
};

/**
 * A scorer of the ideas; `independent`: training never saw it (the figures that count against reward hacking).
 * `sharedWithTraining`: the dimensions on which it reads a model folder the training evaluator also reads (an
 * ensemble's member): its figures there are not independent, whatever `independent` says.
 */
export type ControlEvaluator = {
  name: string;
  model: RewardModel;
  independent: boolean;
  sharedWithTraining?: Partial<Record<Dimension, string[]>>;
};

/** "independent: …", or where it shares a model with the training evaluator, on which dimensions and which model. */
export function independenceNote(e: Pick<ControlEvaluator, "independent" | "sharedWithTraining">): string {
  if (!e.independent) return "used in training";
  const shared = Object.entries(e.sharedWithTraining ?? {});
  if (shared.length === 0) return "independent: training never saw it";
  const where = shared.map(([d, dirs]) => `${d} (${(dirs as string[]).join(", ")})`).join("; ");
  return `independent except on ${where}: the training evaluator reads the same model there, so those figures are not independent`;
}

export type EvalControlOptions = {
  systems: ControlSystem[];
  evaluators: ControlEvaluator[];
  papers: SourcePaper[]; // held-out papers
  ideasPerPoint: number; // ideas per paper per grid point
  reference: Scores; // hypervolume reference point
  resamples: number; // bootstrap over papers
  seed: number;
  outDir: string;
  reportName: string;
  command: string;
  log: Logger;
  progress?: boolean;
  /**
   * Where to write every generated idea as JSONL (system, paper, weights, text), to score again later; also the
   * journal a killed run resumes from (IdeasJournal): ideas already there are not generated again.
   */
  ideasFile?: string;
  /** A system's name: every other is compared with it grid point by grid point (RL against SFT). */
  baseline?: string;
  /** Systems whose hypervolumes are compared, paired over papers (the decoder against static control). */
  hypervolumePairs?: HypervolumePair[];
};

/** Two systems by name: `system`'s hypervolume against `against`'s. */
export type HypervolumePair = { system: string; against: string };
export type HypervolumePairResult = HypervolumePair & { byEvaluator: (HypervolumeVersus & { evaluator: string })[] };

export type SystemEvaluation = {
  evaluator: string;
  independent: boolean;
  controllability: Scores;
  controllabilityCi: Record<string, Interval | null>;
  /** The same with each score less its paper's mean: the weights' effect without the spread between papers. */
  withinPaper: Scores;
  withinPaperCi: Record<string, Interval | null>;
  /** The most controllability all three dimensions could reach together, given how alike the ideas' scores are. */
  ceiling: { ceiling: number; pairs: PairCeiling[] };
  hypervolume: number;
  hypervolumeCi: Interval | null;
  means: Scores[]; // per grid point
  front: Scores[];
  weightedReward: number; // mean over ideas of w · s
};
export type SystemResult = {
  name: string;
  ideas: number;
  failed: number;
  byEvaluator: SystemEvaluation[];
  /** Against the baseline system, per evaluator (absent for the baseline itself and without one). */
  versus?: { evaluator: string; points: GridPointVersus[] }[];
};

/**
 * `ideasteer eval control` (DESIGN §6, issue 12 §5): each system generates ideas for held-out papers at the 15 grid
 * weights; every evaluator scores them; per system and evaluator: controllability (Spearman of requested w_k with
 * realised score k over ideas), the mean scores per grid point, their Pareto front and exact hypervolume, with
 * bootstrap intervals over papers. Writes a Markdown report and response-curve SVGs.
 */
export async function evalControl(
  o: EvalControlOptions,
): Promise<{ results: SystemResult[]; pairs: HypervolumePairResult[]; reportPath: string }> {
  checkSystems(o);
  const grid = simplexGrid();
  const results: SystemResult[] = [];
  const samplesOf = new Map<string, ControlSample[][]>(); // per system, per evaluator
  const journal = o.ideasFile ? openJournal(o.ideasFile, o) : undefined;
  const saved: SavedIdea[] = [];
  for (const system of o.systems) {
    // 1. Ideas per (paper, grid point); a system that ignores weights generates once per paper and idea.
    const texts = await generateGrid(system, grid, o, trainingPick(o), journal);
    saved.push(...texts);
    // 2. Each evaluator scores them; 3. the figures.
    const byEvaluator: SystemEvaluation[] = [];
    const perEvaluator: ControlSample[][] = [];
    for (const ev of o.evaluators) {
      const scores = await ev.model.score(texts.map((t) => t.text || " "));
      const samples: ControlSample[] = texts.map((t, i) => ({
        paper: t.paper,
        weights: t.weights,
        scores: t.text ? (scores[i] as Scores) : { novelty: 0, feasibility: 0, effectiveness: 0 },
      }));
      perEvaluator.push(samples);
      byEvaluator.push(figures(samples, grid, ev, o));
    }
    samplesOf.set(system.name, perEvaluator);
    results.push({ name: system.name, ideas: texts.length, failed: texts.filter((t) => !t.text).length, byEvaluator });
    o.log.info(`${system.name}: ${texts.length} ideas scored by ${o.evaluators.length} evaluators`);
  }
  // 4. Every system against the baseline, grid point by grid point.
  const base = o.baseline === undefined ? undefined : samplesOf.get(o.baseline);
  if (base)
    for (const r of results.filter((x) => x.name !== o.baseline))
      r.versus = o.evaluators.map((ev, e) => ({
        evaluator: ev.name,
        points: versusBaseline(samplesOf.get(r.name)?.[e] ?? [], base[e] ?? [], grid, o),
      }));
  // 5. Named pairs, hypervolume against hypervolume, the papers drawn together.
  const pairs: HypervolumePairResult[] = (o.hypervolumePairs ?? []).map((p) => ({
    ...p,
    byEvaluator: o.evaluators.map((ev, e) => ({
      evaluator: ev.name,
      ...hypervolumeVersus(
        samplesOf.get(p.system)?.[e] ?? [],
        samplesOf.get(p.against)?.[e] ?? [],
        grid,
        o.reference,
        o,
      ),
    })),
  }));
  // 6. The report, and the ideas where asked (an empty text: the idea failed to come out in the layout).
  mkdirSync(o.outDir, { recursive: true });
  journal?.finish(saved);
  const svgName = `${o.reportName}-response.svg`;
  writeFileAtomic(join(o.outDir, svgName), responseSvg(results, grid));
  const versusSvg = base ? `${o.reportName}-versus.svg` : undefined;
  if (versusSvg) writeFileAtomic(join(o.outDir, versusSvg), versusSvgOf(results, o));
  const reportPath = join(o.outDir, `${o.reportName}.md`);
  writeFileAtomic(reportPath, renderControlReport(results, pairs, o, svgName, versusSvg));
  return { results, pairs, reportPath };
}

/** Which of the candidates (texts; "" failed) the weights keep. */
type PickIdea = (texts: string[], w: Scores) => Promise<string>;

/** Papers p with p mod count = index: one of `count` runs that split the generation between them. */
export type ControlShard = { index: number; count: number };

/**
 * One shard of `eval control`'s ideas, generated into its --save-ideas file and not scored: runs on several processes
 * or machines split the papers; `evalControl` on their files put together scores and reports them, generating nothing.
 */
export async function generateControlIdeas(
  o: EvalControlOptions & { ideasFile: string; shard: ControlShard },
): Promise<{ ideas: number }> {
  const { index, count } = o.shard;
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 0 || index >= count)
    throw new ConfigError(`shard ${index}/${count}`, "write k/n with 0 <= k < n, e.g. 0/2 and 1/2 for two runs");
  checkSystems(o);
  const journal = openJournal(o.ideasFile, o);
  const saved: SavedIdea[] = [];
  for (const system of o.systems)
    saved.push(...(await generateGrid(system, simplexGrid(), o, trainingPick(o), journal, o.shard)));
  journal.finish(saved);
  return { ideas: saved.length };
}

/** Systems are told apart by name (in the journal, the report, --baseline): two with one name would mix their ideas. */
function checkSystems(o: EvalControlOptions): void {
  const names = o.systems.map((s) => s.name);
  checkSystemNames(names, o.baseline);
  for (const p of o.hypervolumePairs ?? [])
    for (const n of [p.system, p.against])
      if (!names.includes(n))
        throw new ConfigError(`no system named ${n} to compare hypervolumes with`, "pair systems that run");
}

/** Each system has its own name (the journal tells their ideas apart by it), and the baseline names one of them. */
export function checkSystemNames(names: readonly string[], baseline?: string): void {
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined)
    throw new ConfigError(
      `two systems are named ${twice}`,
      "give each system its own name (--system name=model.gguf:control)",
    );
  if (baseline !== undefined && !names.includes(baseline))
    throw new ConfigError(`no system named ${baseline} to compare with`, "name one of the systems as the baseline");
}

function openJournal(path: string, o: EvalControlOptions): IdeasJournal {
  const journal = IdeasJournal.open(
    path,
    o.systems.map((s) => s.name),
    o.log,
  );
  for (const system of o.systems) checkResumable(journal, system, o);
  return journal;
}

/** The training evaluator's choice: the highest w · score among the candidates that came out. */
function trainingPick(o: EvalControlOptions): PickIdea {
  const training = o.evaluators.find((e) => !e.independent) ?? o.evaluators[0];
  const cache = createScoreCache(); // a weight-blind system's candidates come back at every grid point
  return async (texts, w) => {
    const ok = texts.filter(Boolean);
    if (ok.length <= 1 || !training) return ok[0] ?? "";
    const scores = await scoreIdeas(ok, { model: training.model, cache });
    const value = (s: Scores) =>
      w.novelty * s.novelty + w.feasibility * s.feasibility + w.effectiveness * s.effectiveness;
    let best = 0;
    scores.forEach((s, i) => {
      if (value(s) > value(scores[best] as Scores)) best = i;
    });
    return ok[best] as string;
  };
}

/**
 * A system's ideas at every (paper, grid point, index), in that order. With a journal, an idea saved by an earlier
 * run of the same flags is taken from it, and each new one is appended as soon as it is chosen.
 */
async function generateGrid(
  system: ControlSystem,
  grid: Scores[],
  o: EvalControlOptions,
  pick: PickIdea,
  journal: IdeasJournal | undefined,
  shard?: ControlShard,
): Promise<SavedIdea[]> {
  const k = system.topOf ?? 1;
  const found = (p: number, g: number, i: number) => journal?.find(system.name, o.papers[p]?.id ?? p, g, i);
  const mine = (p: number) => !shard || p % shard.count === shard.index;
  // A weight-blind system generates at the first grid point and reuses those candidates at the others.
  const generates = (p: number, g: number, i: number) => mine(p) && (system.steers || g === 0) && !found(p, g, i);
  let total = 0;
  for (const p of o.papers.keys())
    for (const g of grid.keys()) for (let i = 0; i < o.ideasPerPoint; i++) if (generates(p, g, i)) total += k;
  const all = o.papers.length * o.ideasPerPoint * (system.steers ? grid.length : 1) * k;
  if (total < all) o.log.info(`${system.name}: ${all - total} of ${all} ideas come from ${journal?.path}`);
  const bar = createProgress({ label: system.name, total, unit: "ideas", enabled: o.progress ?? true });
  const out: SavedIdea[] = [];
  const once = new Map<string, string[]>(); // a weight-blind system's candidates serve every grid point
  for (const [p, paper] of o.papers.entries())
    for (const [g, w] of grid.entries())
      for (let i = 0; i < o.ideasPerPoint; i++) {
        const idea = { system: system.name, paper: p, ...(paper.id ? { paperId: paper.id } : {}), grid: g, weights: w };
        const before = found(p, g, i);
        if (before && (system.steers || g > 0)) {
          out.push({ ...before, paper: p }); // its text was chosen from its candidates when it was saved
          continue;
        }
        if (!mine(p) && !before) continue; // another shard's
        const key = `${p}:${i}`;
        let candidates = system.steers ? undefined : once.get(key);
        const fresh = candidates === undefined && !before;
        if (candidates === undefined) candidates = before ? (before.candidates ?? [before.text]) : [];
        const seed = o.seed + 1000 * p + i + (system.steers ? 100_000 * g : 0);
        if (fresh)
          for (let j = 0; j < k; j++) {
            candidates.push(
              await system.generate(paper, w, seed + 10_000_000 * j).catch((e: unknown) => {
                o.log.warn(`${system.name}: paper ${p} failed: ${(e as Error).message}`);
                return "";
              }),
            );
            bar.tick();
          }
        if (!system.steers) once.set(key, candidates);
        const text = before?.text ?? (k === 1 ? (candidates[0] as string) : await pick(candidates, w));
        const made: SavedIdea = {
          ...idea,
          index: i,
          seed: o.seed,
          text,
          ...(k > 1 && (system.steers || g === 0) ? { candidates } : {}),
        };
        if (fresh) journal?.append(made);
        out.push(made);
      }
  bar.done();
  return out;
}

/** Saved ideas of this system made with another seed or K would not be this run's: refuse rather than mix them. */
function checkResumable(journal: IdeasJournal, system: ControlSystem, o: EvalControlOptions): void {
  const k = system.topOf ?? 1;
  const other = journal
    .ideasOf(system.name)
    .find(
      (s) => s.seed !== o.seed || (s.candidates ? s.candidates.length !== k : k > 1 && (system.steers || s.grid === 0)),
    );
  if (other)
    throw new ConfigError(
      `${journal.path} holds ideas of ${system.name} made with other settings (seed ${other.seed}, ${other.candidates?.length ?? 1} candidate(s) per idea; this run: seed ${o.seed}, ${k})`,
      "rerun with the flags that wrote them to resume, or pass a new --save-ideas file",
    );
}

function figures(
  samples: ControlSample[],
  grid: Scores[],
  ev: ControlEvaluator,
  o: EvalControlOptions,
): SystemEvaluation {
  const means = gridMeans(samples, grid);
  const papers = [...new Set(samples.map((s) => s.paper))];
  const byPaper = new Map(papers.map((p) => [p, samples.filter((s) => s.paper === p)]));
  const rng = createRng(o.seed);
  const draws = {
    hv: [] as number[],
    ...Object.fromEntries(
      DIMENSIONS.flatMap((d) => [
        [d, [] as number[]],
        [`within/${d}`, [] as number[]],
      ]),
    ),
  } as Record<string, number[]>;
  for (let r = 0; r < o.resamples; r++) {
    const drawn = papers.flatMap(() => byPaper.get(papers[rng.int(papers.length)] as number) ?? []);
    (draws.hv as number[]).push(hypervolume3d(gridMeans(drawn, grid), o.reference));
    const c = controllability(drawn);
    // A paper drawn twice keeps its id, so its mean is the same as once: centring reads the draw correctly.
    const w = controllabilityWithinPaper(drawn);
    for (const d of DIMENSIONS) {
      (draws[d] as number[]).push(c[d]);
      (draws[`within/${d}`] as number[]).push(w[d]);
    }
  }
  return {
    evaluator: ev.name,
    independent: ev.independent,
    controllability: controllability(samples),
    controllabilityCi: Object.fromEntries(DIMENSIONS.map((d) => [d, percentileInterval(draws[d] as number[])])),
    withinPaper: controllabilityWithinPaper(samples),
    withinPaperCi: Object.fromEntries(DIMENSIONS.map((d) => [d, percentileInterval(draws[`within/${d}`] as number[])])),
    ceiling: controllabilityCeiling(samples),
    hypervolume: hypervolume3d(means, o.reference),
    hypervolumeCi: percentileInterval(draws.hv as number[]),
    means,
    front: paretoFront(means),
    weightedReward: samples.reduce((a, s) => a + weightedSum(s.scores, s.weights), 0) / Math.max(1, samples.length),
  };
}

/** Per dimension and evaluator: the requested weight (x) against the mean realised score (y), one line per system. */
function responseSvg(results: SystemResult[], grid: Scores[]): string {
  const evaluators = results[0]?.byEvaluator.map((e) => e.evaluator) ?? [];
  const panels = evaluators.flatMap((name, e) =>
    DIMENSIONS.map((d) => ({
      title: `${d} (${name}): weight → score`,
      series: results.map((r) => {
        const ev = r.byEvaluator[e] as SystemEvaluation;
        const levels = [...new Set(grid.map((w) => w[d]))].sort((a, b) => a - b);
        return {
          name: r.name,
          bins: levels.map((level) => {
            const at = grid.flatMap((w, g) => (w[d] === level ? [(ev.means[g] as Scores)[d]] : []));
            const mean = at.reduce((a, x) => a + x, 0) / at.length;
            return { lo: level, hi: level, n: at.length, meanScore: level, meanLabel: mean };
          }),
        };
      }),
    })),
  );
  return calibrationSvg(panels);
}

const f3 = (x: number) => x.toFixed(3);
const ci = (i: Interval | null | undefined) => (i ? ` [${f3(i.lo)}, ${f3(i.hi)}]` : "");

function renderControlReport(
  results: SystemResult[],
  pairs: HypervolumePairResult[],
  o: EvalControlOptions,
  svgName: string,
  versusSvg: string | undefined,
): string {
  const evaluators = o.evaluators;
  const lines = [
    "# Dynamic control: do the weights steer the ideas?",
    "",
    `Command: \`${o.command}\``,
    "",
    `${o.papers.length} held-out papers x 15 grid weights x ${o.ideasPerPoint} idea(s) per system (systems that ignore the weights generate once per paper and reuse the ideas at every grid point). Bootstrap: ${o.resamples} resamples of papers. Hypervolume reference point: (${DIMENSIONS.map((d) => o.reference[d]).join(", ")}).`,
    "",
    "Evaluators: " + evaluators.map((e) => `**${e.name}** (${independenceNote(e)})`).join(", ") + ".",
    "",
    "**Controllability** = Spearman between the requested weight w_k and the realised score k over individual ideas (0: the weights do nothing).",
    "",
    "**Ceiling**: the most controllability the three dimensions can reach together when the ideas' scores correlate as they do (Spearman between dimensions over the ideas; `controllabilityCeiling`). Scores that move as one cap it at 0.5 on this grid; 0.8 on every dimension needs every pair below about 0.69.",
    "",
    "**Within paper**: the same Spearman after each score has its paper's mean taken away. Papers differ in how well their ideas score whatever the weights; this figure leaves that spread out and reads how far the weights move one paper's ideas.",
    "",
    ...(o.systems.some((s) => s.topOf)
      ? [
          `**Top of K** (${o.systems
            .filter((s) => s.topOf)
            .map((s) => `${s.name}: K = ${s.topOf}`)
            .join(
              "; ",
            )}): each idea is the best of K candidates by w · score under the training evaluator, as \`generate -n K\` ranks them; a weight-blind system's K candidates serve every grid point, and the weights act through the choice alone.`,
          "",
        ]
      : []),
    "**Hypervolume** compares the systems that steer with each other. A system that ignores the weights puts all 15 grid means at one point (its hypervolume is one box), and the grid means of noisy samples spread apart, which enlarges a union of boxes by itself (the bootstrap, which duplicates papers, more so). An idea that failed to come out in the layout counts as 0 on every dimension.",
    "",
  ];
  for (const [e, ev] of evaluators.entries()) {
    lines.push(
      `## Under ${ev.name}`,
      "",
      "| system | ideas (failed) | controllability novelty | feasibility | effectiveness | hypervolume [95% CI] | mean w · score |",
      "|---|---|---|---|---|---|---|",
    );
    for (const r of results) {
      const x = r.byEvaluator[e] as SystemEvaluation;
      lines.push(
        `| ${r.name} | ${r.ideas} (${r.failed}) | ${DIMENSIONS.map((d) => `${f3(x.controllability[d])}${ci(x.controllabilityCi[d])}`).join(" | ")} | ${f3(x.hypervolume)}${ci(x.hypervolumeCi)} | ${f3(x.weightedReward)} |`,
      );
    }
    lines.push("", "| system | within paper: novelty | feasibility | effectiveness |", "|---|---|---|---|");
    for (const r of results) {
      const x = r.byEvaluator[e] as SystemEvaluation;
      lines.push(
        `| ${r.name} | ${DIMENSIONS.map((d) => `${f3(x.withinPaper[d])}${ci(x.withinPaperCi[d])}`).join(" | ")} |`,
      );
    }
    lines.push("", ...ceilingTable(results, e));
    lines.push("");
  }
  lines.push(...hypervolumePairsSection(pairs));
  lines.push(...disagreements(results, evaluators), `![response curves](${svgName})`, "");
  if (versusSvg) lines.push(...versusSection(results, o), `![w · score per grid point](${versusSvg})`, "");
  return lines.join("\n");
}

/** Per system: how alike its ideas' scores are under evaluator e, and the controllability that caps. */
function ceilingTable(results: SystemResult[], e: number): string[] {
  const first = results[0]?.byEvaluator[e]?.ceiling.pairs ?? [];
  return [
    `| system | ${first.map((p) => `score Spearman ${p.pair.join("-")}`).join(" | ")} | ceiling on all three |`,
    `|---|${first.map(() => "---:|").join("")}---:|`,
    ...results.map((r) => {
      const c = (r.byEvaluator[e] as SystemEvaluation).ceiling;
      return `| ${r.name} | ${c.pairs.map((p) => f3(p.scoreRho)).join(" | ")} | ${f3(c.ceiling)} |`;
    }),
  ];
}

/** Each pair under each evaluator: both hypervolumes and the difference with its paired interval. */
function hypervolumePairsSection(pairs: HypervolumePairResult[]): string[] {
  if (!pairs.length) return [];
  return [
    "## Hypervolume, system against system (paired over papers)",
    "",
    "Both systems wrote for the same papers, so each bootstrap draw of papers serves both: the difference's interval leaves out how much the papers drawn move both hypervolumes together.",
    "",
    "| system | against | evaluator | hypervolume | against's | difference [95% CI] |",
    "|---|---|---|---:|---:|---|",
    ...pairs.flatMap((p) =>
      p.byEvaluator.map(
        (v) =>
          `| ${p.system} | ${p.against} | ${v.evaluator} | ${f3(v.system)} | ${f3(v.baseline)} | ${f3(v.diff)}${ci(v.ci)} |`,
      ),
    ),
    "",
  ];
}

/** Per system and evaluator: the 15 grid points, the baseline's and the system's w · score, the difference. */
function versusSection(results: SystemResult[], o: EvalControlOptions): string[] {
  const lines = [`## Against ${o.baseline}, grid point by grid point`, ""];
  const w3 = (w: Scores) => `(${DIMENSIONS.map((d) => w[d].toFixed(2)).join(", ")})`;
  for (const r of results)
    for (const v of r.versus ?? []) {
      const s = versusSummary(v.points);
      lines.push(
        `### ${r.name} against ${o.baseline} under ${v.evaluator}`,
        "",
        `Ahead at ${s.ahead} of ${v.points.length} grid points; the paired 95% interval lies above zero at ${s.surelyAhead} and below zero at ${s.surelyBehind}.`,
        "",
        `| w (novelty, feasibility, effectiveness) | ${o.baseline} w · score | ${r.name} w · score | difference [95% CI] |`,
        "|---|---:|---:|---|",
        ...v.points.map((p) => `| ${w3(p.weights)} | ${f3(p.baseline)} | ${f3(p.system)} | ${f3(p.diff)}${ci(p.ci)} |`),
        "",
      );
    }
  return lines;
}

/** One panel per evaluator: w · score at each grid point (x: its index in the grid), one line per system. */
function versusSvgOf(results: SystemResult[], o: EvalControlOptions): string {
  const baseline = results.find((r) => r.name === o.baseline);
  const records = simplexGrid().map((w, g) => {
    const record: MetricsRecord = { step: g + 1 };
    for (const r of results)
      for (const [e, ev] of r.byEvaluator.entries())
        record[`${r.name} (${o.evaluators[e]?.name})`] = weightedSum(ev.means[g] as Scores, w);
    return record;
  });
  const panels = o.evaluators.map((ev) => ({
    title: `w · score per grid point, ${ev.name}`,
    keys: [baseline, ...results.filter((r) => r !== baseline)].map((r) => `${r?.name} (${ev.name})`),
  }));
  return renderMetricsSvg(records, { panels, xLabel: "grid point (simplexGrid order, table above)" });
}

/**
 * Where the evaluator used in training and any independent one disagree on a system's controllability: opposite
 * signs, or one a third of the other's size, once either reaches 0.05.
 */
export function disagreements(
  results: SystemResult[],
  evaluators: Pick<ControlEvaluator, "name" | "independent" | "sharedWithTraining">[],
): string[] {
  const trained = evaluators.findIndex((e) => !e.independent);
  const independents = evaluators.flatMap((e, i) => (e.independent ? [i] : []));
  if (trained < 0 || independents.length === 0) return [];
  const out: string[] = [];
  for (const r of results)
    for (const indep of independents)
      for (const d of DIMENSIONS) {
        if (evaluators[indep]?.sharedWithTraining?.[d]) continue; // the same model on both sides: no second opinion
        const a = (r.byEvaluator[trained] as SystemEvaluation).controllability[d];
        const b = (r.byEvaluator[indep] as SystemEvaluation).controllability[d];
        const big = Math.max(Math.abs(a), Math.abs(b));
        if (big >= 0.05 && (Math.sign(a) !== Math.sign(b) || Math.min(Math.abs(a), Math.abs(b)) < big / 3))
          out.push(
            `- ${r.name}, ${d}: ${evaluators[trained]?.name} sees ${f3(a)}, ${evaluators[indep]?.name} ${f3(b)}.`,
          );
      }
  return out.length
    ? ["## Where the evaluators disagree", "", ...out, ""]
    : [
        `Every independent evaluator agrees with the training one in sign and size on every system's controllability${evaluators.some((e) => e.independent && Object.keys(e.sharedWithTraining ?? {}).length) ? " (on the dimensions where it reads a model of its own)" : ""}.`,
        "",
      ];
}
