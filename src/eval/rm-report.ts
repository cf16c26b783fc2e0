import { SPLITS } from "../datasets/index.js";
import type { TargetMode } from "../reward/index.js";
import type { Interval } from "./bootstrap.js";
import type { DimensionResult, EvalRmResult } from "./eval-rm.js";
import type { RankingReport } from "./evaluate-ranking.js";

/** Ranking ICLR papers by title + abstract, Spearman with the mean rating (issue 11 §4). */
export const LITERATURE_REFERENCES = [
  { method: "TF-IDF probe", spearman: 0.12 },
  { method: "SPECTER2 linear probe", spearman: 0.33 },
  { method: "LoRA-tuned Llama-3-8B", spearman: 0.43 },
  { method: "reviewer split-half", spearman: 0.53 },
] as const;

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? "–" : x.toFixed(3));
const ci = (x: number | null, c: Interval | null) => (c ? `${f3(x)} [${f3(c.lo)}, ${f3(c.hi)}]` : f3(x));

function figureRow(name: string, r: RankingReport): string {
  return `| ${name} | ${r.n} | ${r.groupsUsed} | ${ci(r.withinSpearman, r.withinSpearmanCi)} | ${ci(r.pooledSpearman, r.pooledSpearmanCi)} | ${ci(r.kendall, r.kendallCi)} | ${ci(r.pairwiseAccuracy, r.pairwiseAccuracyCi)} | ${r.pairs} |`;
}

/** How a head's training targets were built, in words. */
function modeLabel(m: TargetMode): string {
  if (m.auxiliary > 0 || m.auxiliaryOnly > 0) return `multi-task λ ${m.auxiliary}, ω ${m.auxiliaryOnly}`;
  return m.standardize ? "standardised labels" : "raw labels";
}

function dimensionSection(d: DimensionResult, minGroupSize: number): string[] {
  const out: string[] = [];
  out.push(`### ${d.dimension}`, "");
  const cov = SPLITS.map((s) => {
    const entries = Object.entries(d.coverage[s]).sort((a, b) => b[1] - a[1]);
    return `${s} ${entries.reduce((a, [, n]) => a + n, 0)} (${entries.map(([g, n]) => `${g} ${n}`).join(", ")})`;
  });
  out.push(
    `Labelled venue-years: ${Object.keys(d.coverage.train).sort().join(", ")}.`,
    `Papers: ${cov.join("; ")}.`,
    `Label noise (mean |difference| of two reviewers of one paper, all papers of reviews.jsonl.gz): ${f3(d.noise)}.`,
    `Chosen: alpha ${d.chosen.alpha}, targets: ${modeLabel(d.chosen)}.`,
    "",
    "| scorer | papers | venue-years | within-venue Spearman [95% CI] | pooled Spearman | Kendall tau-b (within) | pairwise accuracy (within) | pairs |",
    "|---|---|---|---|---|---|---|---|",
    ...d.scorers.map((s) => figureRow(s.name, s.report)),
    figureRow("human ceiling (one reviewer vs the others)", d.ceiling),
    "",
  );
  for (const v of d.vsBaseline)
    out.push(
      `${v.name} minus ${d.scorers[0]?.name}, within-venue Spearman: ${ci(v.diff, v.ci)} (paired bootstrap).`,
      "",
    );
  out.push(
    `Per venue-year (test split; "–" where a venue-year has fewer than ${minGroupSize} papers):`,
    "",
    `| venue-year | papers | ${d.scorers.map((s) => `${s.name} Spearman | ${s.name} pairwise`).join(" | ")} | ceiling papers | ceiling Spearman |`,
    `|---|---|${d.scorers.map(() => "---|---|").join("")}---|---|`,
  );
  const base = d.scorers[0];
  for (const row of base?.report.perGroup ?? []) {
    const cols = d.scorers.map((s) => {
      const g = s.report.perGroup.find((x) => x.group === row.group);
      return `${f3(g?.spearman)} | ${f3(g?.pairwiseAccuracy)}`;
    });
    const c = d.ceiling.perGroup.find((x) => x.group === row.group);
    out.push(`| ${row.group} | ${row.n} | ${cols.join(" | ")} | ${c?.n ?? 0} | ${f3(c?.spearman)} |`);
  }
  out.push("", "Selection on val (mean within-venue-year Spearman):", "", "| alpha | targets | val |", "|---|---|---|");
  for (const c of d.candidates) out.push(`| ${c.alpha} | ${modeLabel(c)} | ${f3(c.valWithinSpearman)} |`);
  if (d.lovyo.length > 0) {
    const modes = d.lovyo;
    out.push(
      "",
      "Leave-one-venue-year-out: train on the other venue-years' training papers, Spearman on all papers of the held-out venue-year; each target mode at its best val alpha. The mode kept maximises (val + LOVYO mean) / 2.",
      "",
      `| held-out venue-year | papers | ${modes.map((m) => `${modeLabel(m)} (alpha ${m.alpha}): train papers | Spearman`).join(" | ")} |`,
      `|---|---|${modes.map(() => "---|---|").join("")}`,
    );
    for (const fold of modes[0]?.folds ?? []) {
      const cols = modes.map((m) => {
        const f = m.folds.find((x) => x.group === fold.group);
        return `${f?.trainN ?? "–"} | ${f3(f?.spearman)}`;
      });
      out.push(`| ${fold.group} | ${fold.n} | ${cols.join(" | ")} |`);
    }
    const row = (name: string, pick: (m: (typeof modes)[number]) => number | null) =>
      `| ${name} | | ${modes.map((m) => ` | ${f3(pick(m))}`).join(" | ")} |`;
    out.push(
      row("**mean over folds**", (m) => m.mean),
      row("val (within-venue)", (m) => m.val),
      row("**criterion**", (m) => m.criterion),
    );
    if ((modes[0]?.folds.length ?? 0) === 0) out.push("", "No fold: only one venue-year has enough labelled papers.");
  }
  out.push("");
  return out;
}

function multitaskNote(c: EvalRmResult["config"]): string {
  if (c.auxiliary.every((x) => x === 0) && c.auxiliaryOnly.every((x) => x === 0)) return "";
  return `; multi-task targets tried too: the paper's labels on the other dimensions, each z-scored within venue-year, mixed in with weight λ in {${c.auxiliary.join(", ")}}, and papers labelled only on other dimensions added with weight ω in {${c.auxiliaryOnly.join(", ")}} (target: the mean of their other z-scored labels)`;
}

/** The `eval rm` report as Markdown: the method, per-dimension tables, references and the plot. */
export function renderRmReport(r: EvalRmResult, svgName: string): string {
  const lines = [
    "# Reward models: evaluation on the test split",
    "",
    `Dataset \`${r.dataset}\`; made ${r.createdAt.slice(0, 10)} by:`,
    "",
    "```sh",
    r.command,
    "```",
    "",
    "## How to read this",
    "",
    `- **Within-venue Spearman** (the primary figure): Spearman between score and label inside each venue-year with at least ${r.config.minGroupSize} test papers, averaged over those venue-years. Pooled Spearman also rewards guessing the venue from the topic, so it is shown but not used to choose.`,
    "- **Kendall tau-b** and **pairwise accuracy** are within venue-year too; pairwise accuracy counts only pairs whose labels differ by more than the label noise (a tied score counts ½).",
    `- Intervals: percentile bootstrap over test papers, ${r.resamples} resamples, seed ${r.seed}, paired across scorers.`,
    "- **Human ceiling**: for each test paper with two or more reviewers, one reviewer (drawn at random) against the mean of the others, with the same metrics; its label is that mean, not the dataset label. Where a venue-year holds accepted papers only (NeurIPS 2023-2025 here are ~95 % accepted, COLM and CoRL 100 %), selection on the reviewers' mean makes one reviewer's score and the others' mean nearly independent or even negatively related (Berkson's paradox), so the ceiling there is near 0; ICLR venue-years, with their rejections, show the usual agreement.",
    `- **tfidf-ridge**: TF-IDF (content words + bigrams, ${r.vocabulary} terms by document frequency on train, min df ${r.config.minDf}, sublinear tf, l2) and ridge regression solved by conjugate gradient; alpha from {${r.config.alphas.join(", ")}} and per-venue-year label standardisation chosen on val${multitaskNote(r.config)}. Scores are the percentile of the prediction among the validation papers' predictions, so 0.7 means "above 70 % of held-out reviewed papers".`,
    "- One reviewer's score is a small integer, so the ceiling's scores tie often; a tie counts ½ in pairwise accuracy, which holds the ceiling's pairwise accuracy down more than its Spearman.",
    "- **Leave-one-venue-year-out** (LOVYO) trains on the training papers of every other venue-year and ranks all papers of the held-out one, the closest check here of the real target (a venue-year absent from ../shared). The vocabulary and idf are fitted once on all training texts (no labels), the held-out venue-year's included.",
    "- Inputs are the dataset texts: golden ideas where a full text exists, otherwise title + abstract laid out as an idea.",
    "",
    "Literature reference figures (ranking ICLR papers by title + abstract, Spearman with the mean rating; other venues and labels, so a guide, not a target):",
    "",
    "| method | Spearman |",
    "|---|---|",
    ...LITERATURE_REFERENCES.map((x) => `| ${x.method} | ${x.spearman.toFixed(2)} |`),
    "",
    "## Results per dimension",
    "",
    ...r.dimensions.flatMap((d) => dimensionSection(d, r.config.minGroupSize)),
    "## Calibration",
    "",
    `![calibration](${svgName})`,
    "",
    "Per score bin (tenths of [0, 1]), the mean percentile of the labels of its test papers; a calibrated percentile scorer lies on the diagonal.",
    "",
    "## Metrics",
    "",
    "| key | value |",
    "|---|---|",
    ...Object.entries(r.metrics).map(([k, v]) => `| \`${k}\` | ${f3(v)} |`),
    "",
  ];
  return lines.join("\n");
}
