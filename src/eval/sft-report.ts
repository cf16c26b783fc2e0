import type { Interval } from "./bootstrap.js";
import type { SftEvalResult } from "./eval-sft.js";

const f3 = (x: number) => x.toFixed(3);
const ci = (i: Interval | null) => (i ? `[${f3(i.lo)}, ${f3(i.hi)}]` : "n/a");
const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(0)} %` : "n/a");

/** The SFT report (Markdown): losses with their intervals, the parse rate, sample ideas, the command. */
export function renderSftReport(r: SftEvalResult): string {
  const lines = [
    "# SFT policy: does it read the paper, and did SFT help?",
    "",
    `Held-out pairs: ${r.pairs} (sft.${r.split}.jsonl: a supporting paper and the golden idea of the paper that cites it;`,
    "no paper of this split was seen in training). Losses are nats per idea token, token-weighted over the pairs;",
    "intervals are paired percentile bootstraps over pairs (95 %).",
    "",
    "## Idea loss after the paper, and after another paper",
    "",
    "| model | after its paper | after another held-out paper | gap (another − its own) | 95 % CI | base − model | 95 % CI |",
    "|---|---:|---:|---:|---|---:|---|",
    ...r.models.map(
      (m) =>
        `| ${m.name} | ${f3(m.lossPaired)} | ${f3(m.lossRandomPaper)} | ${f3(m.gap)} | ${ci(m.gapCi)} | ${m.vsBase === null ? "" : f3(m.vsBase)} | ${ci(m.vsBaseCi)} |`,
    ),
    `| base (before SFT) | ${f3(r.base.lossPaired)} | ${f3(r.base.lossRandomPaper)} | ${f3(r.base.lossRandomPaper - r.base.lossPaired)} | | | |`,
    "",
    "A positive gap whose interval excludes zero means the model uses the paper it is given: the same golden idea",
    "is likelier after its own supporting paper than after an unrelated one.",
    "",
  ];
  if (r.versus)
    lines.push(
      `${r.versus.b} vs ${r.versus.a}: ${r.versus.a} − ${r.versus.b} = ${f3(r.versus.diff)} nats per idea token on the paired ideas, 95 % CI ${ci(r.versus.ci)} (positive: ${r.versus.b} is better).`,
      "",
    );
  const p = r.parse;
  lines.push(
    "## Layout",
    "",
    `Ideas written by ${r.models[0]?.name ?? "the policy"} through llama.cpp (temperature 0.8, top-p 0.95) for ${p.papers} held-out papers:`,
    `${p.firstTry} (${pct(p.firstTry, p.papers)}) parsed into the section-1 layout at the first try before any repair;`,
    `${p.repaired} were repaired (every field present under another label); ${p.attempts} generations in all.`,
    "",
    "## Sample ideas for held-out papers",
    "",
  );
  for (const [i, s] of r.samples.entries())
    lines.push(
      `### ${i + 1}. Paper: ${s.paper.title} (${s.paper.id ?? "?"})`,
      "",
      ...s.idea.split("\n").map((l) => `    ${l}`),
      "",
      `(${s.attempts} generation${s.attempts === 1 ? "" : "s"}${s.repaired ? ", repaired" : ""})`,
      "",
    );
  lines.push("## Command", "", `    ${r.command}`, "");
  return lines.join("\n");
}
