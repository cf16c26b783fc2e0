import type { Logger } from "../core/index.js";
import { type Idea, renderIdea } from "../idea/index.js";
import { normalizeTitle } from "../library/index.js";
import type { LlmBackend } from "../llm/index.js";
import type { DatasetCard } from "./dataset-card.js";
import { DEFAULT_LLM_EXTRACT_OPTIONS, extractIdeaLlm } from "./extract-idea-llm.js";
import { extractIdeaOffline, type PaperFullText } from "./extract-idea-offline.js";
import { countFill, type FillCounter, newFill } from "./field-fill.js";
import { DEFAULT_PICK_OPTIONS, pickSupportingPaper } from "./pick-supporting-paper.js";
import { DATA_RULE, quoteAsData } from "./prompt-data.js";
import type { PaperIndex } from "./read-sources.js";
import type { CitationRecord, PaperRecord } from "./source-records.js";
import { type CandidateRanking, rankCandidates } from "./supporting-paper.js";

/** An SFT pair: LDC's input (the supporting paper S) and target (the golden idea of the citing paper P). */
export type SftRow = {
  id: string; // P, the citing paper (papers.jsonl id)
  supportingId: string; // S
  prompt: string; // `<|paper|>Title: ...\nAbstract: ...<|idea|>`; trainers append the target and `<|end|>`
  target: string; // renderIdea(golden idea of P)
  selection: "top1" | "llm" | "fallback" | "extra"; // extra: sft-extra.train.jsonl (another candidate as the paper)
  supportingInTextCount: number;
  candidates: string[]; // the ranked top-K candidate ids
};

export const sftPrompt = (title: string, abstract: string): string =>
  `<|paper|>Title: ${oneLine(title)}\nAbstract: ${oneLine(abstract)}<|idea|>`;

/** The paper back out of an SFT prompt (sftPrompt's inverse), or null for text not in that form. */
export function parseSftPrompt(prompt: string): { title: string; abstract: string } | null {
  const m = /^<\|paper\|>Title: ([^\n]*)\nAbstract: ([\s\S]*)<\|idea\|>$/.exec(prompt);
  return m ? { title: m[1] as string, abstract: m[2] as string } : null;
}

/**
 * The prompt a user's model is fine-tuned with (LoRA SFT) and generates from: the paper quoted as data, then a
 * cue for the section-1 layout. Plain text, no chat template, so any base or instruct model reads it alike.
 */
export function plainIdeaPrompt(title: string, abstract: string): string {
  return [
    DATA_RULE,
    quoteAsData(`Title: ${oneLine(title)}\nAbstract: ${oneLine(abstract)}`),
    "A follow-up research idea that builds on this paper, as Title / Method / Experiment Plan:",
    "",
  ].join("\n");
}

export type SftPairOptions = {
  topK: number;
  extractor: "offline" | "llm";
  supportPicker: "top1" | "llm";
  llmRetries: number;
  seed: number;
  backend?: LlmBackend;
  log: Logger;
};

export type SftPairs = {
  rows: SftRow[];
  golden: Map<string, Idea>; // P (papers.jsonl id) -> its golden idea, for every extracted citing paper
  goldenFill: FillCounter;
  supporting: DatasetCard["supporting"];
  skipped: Record<string, number>;
  llmStats: NonNullable<DatasetCard["golden"]["llm"]>;
};

type SkipReason =
  | "citing paper not in papers.jsonl"
  | "no supporting-paper candidate"
  | "golden-idea extraction failed"
  | "golden idea has no method"
  | "supporting paper record missing";

/**
 * DESIGN §3's SFT pairs: for each citing paper P, its golden idea (every P with a full text, also
 * those without candidates, so the reward-model text can use it) and its supporting paper S (the
 * top candidate, or the LLM's pick among the top K). Every paper left out is counted by reason.
 */
export async function buildSftPairs(
  opts: SftPairOptions & { citations: CitationRecord[]; papers: PaperIndex; onPaper?: () => void },
): Promise<SftPairs> {
  const out: SftPairs = {
    rows: [],
    golden: new Map(),
    goldenFill: newFill(),
    supporting: newSupportingStats(opts.citations.length),
    skipped: {},
    llmStats: { failures: {}, truncatedOutputs: 0, clippedInputs: 0, droppedInputChars: 0 },
  };
  const tally = { candidates: 0 };
  for (const citation of opts.citations) {
    opts.onPaper?.();
    const row = await pairCitingPaper({ citation, opts, out, tally });
    if (typeof row === "string") out.skipped[row] = (out.skipped[row] ?? 0) + 1;
    else out.rows.push(row);
  }
  const withCandidates = out.supporting.withCandidates;
  out.supporting.candidatesPerPaper = withCandidates > 0 ? round4(tally.candidates / withCandidates) : 0;
  return out;
}

/** One citing paper P: its golden idea goes into `out` whatever follows; its SFT row, or why it has none. */
async function pairCitingPaper(args: {
  citation: CitationRecord;
  opts: SftPairOptions & { papers: PaperIndex };
  out: SftPairs;
  tally: { candidates: number };
}): Promise<SftRow | SkipReason> {
  const { citation: c, opts, out } = args;
  const { papers } = opts;
  const pId = papers.canonical(c.citing_id);
  const p = papers.get(pId);
  if (!p) return "citing paper not in papers.jsonl";
  const pTitle = normalizeTitle(p.title);
  const ranking = rankCandidates(c, {
    topK: opts.topK,
    hasAbstract: (id) => (papers.get(id)?.abstract.trim() ?? "") !== "",
    isSelf: (id) => papers.canonical(id) === pId || normalizeTitle(papers.get(id)?.title ?? "") === pTitle,
  });
  countRanking({ supporting: out.supporting, ranking, tally: args.tally });

  const full: PaperFullText = {
    id: pId,
    title: p.title,
    abstract: p.abstract,
    method: c.sections.method,
    experiments: c.sections.experiments,
  };
  const idea = await extractGoldenIdea({ full, opts, llmStats: out.llmStats });
  if (idea) {
    out.golden.set(pId, idea);
    countFill(out.goldenFill, idea);
  }
  if (ranking.candidates.length === 0) return "no supporting-paper candidate";
  if (!idea) return "golden-idea extraction failed";
  if (idea.method.trim() === "") return "golden idea has no method";

  const { chosen, selection } = await chooseSupportingPaper({ p, ranking, opts, stats: out.supporting.selection });
  const cand = ranking.candidates[chosen];
  const s = cand ? papers.get(cand.paperId) : undefined;
  if (!cand || !s) return "supporting paper record missing";
  return {
    id: pId,
    supportingId: s.id,
    prompt: sftPrompt(s.title, s.abstract),
    target: renderIdea(idea),
    selection,
    supportingInTextCount: cand.inTextCount,
    candidates: ranking.candidates.map((k) => k.paperId),
  };
}

type SupportingStats = DatasetCard["supporting"];

function newSupportingStats(citingPapers: number): SupportingStats {
  return {
    citingPapers,
    withCandidates: 0,
    noMatchedReference: 0,
    noUsableCandidate: 0,
    tiesAtTop: 0,
    zeroCountTop: 0,
    selfReferences: 0,
    matchedWithoutAbstract: 0,
    duplicatesMerged: 0,
    candidatesPerPaper: 0,
    selection: { top1: 0, llm: 0, fallback: {}, clippedAbstracts: 0 },
  };
}

/** What one paper's candidate ranking adds to the card's supporting-paper figures. */
function countRanking(args: { supporting: SupportingStats; ranking: CandidateRanking; tally: { candidates: number } }) {
  const { supporting, ranking } = args;
  supporting.selfReferences += ranking.selfReferences;
  supporting.matchedWithoutAbstract += ranking.withoutAbstract;
  supporting.duplicatesMerged += ranking.duplicatesMerged;
  if (ranking.candidates.length === 0) {
    if (ranking.matchedReferences === 0) supporting.noMatchedReference++;
    else supporting.noUsableCandidate++;
    return;
  }
  supporting.withCandidates++;
  args.tally.candidates += ranking.candidates.length;
  if (ranking.tieAtTop) supporting.tiesAtTop++;
  if (ranking.candidates[0]?.inTextCount === 0) supporting.zeroCountTop++;
}

/** P's golden idea: the LLM's (its failed attempts counted in `llmStats`), or the offline extractor's. */
async function extractGoldenIdea(args: {
  full: PaperFullText;
  opts: SftPairOptions;
  llmStats: SftPairs["llmStats"];
}): Promise<Idea | null> {
  const { full, opts, llmStats } = args;
  if (opts.extractor !== "llm" || !opts.backend) return extractIdeaOffline(full).idea;
  const r = await extractIdeaLlm(opts.backend, full, {
    ...DEFAULT_LLM_EXTRACT_OPTIONS,
    retries: opts.llmRetries,
    seed: opts.seed,
  });
  for (const f of r.failures) {
    llmStats.failures[f.kind] = (llmStats.failures[f.kind] ?? 0) + 1;
    opts.log.debug("llm extraction attempt failed", { paper: full.id, ...f });
  }
  llmStats.truncatedOutputs += r.truncatedOutputs;
  if (r.inputDroppedChars > 0) llmStats.clippedInputs++;
  llmStats.droppedInputChars += r.inputDroppedChars;
  return r.idea;
}

/** Which candidate is S: the top one, or the LLM's pick among the top K (a failed pick falls back to the top, counted by reason). */
async function chooseSupportingPaper(args: {
  p: PaperRecord;
  ranking: CandidateRanking;
  opts: SftPairOptions & { papers: PaperIndex };
  stats: SupportingStats["selection"];
}): Promise<{ chosen: number; selection: SftRow["selection"] }> {
  const { p, opts, stats } = args;
  if (opts.supportPicker !== "llm" || !opts.backend) {
    stats.top1++;
    return { chosen: 0, selection: "top1" };
  }
  const texts = args.ranking.candidates.map((k) => {
    const s = opts.papers.get(k.paperId);
    return { id: k.paperId, title: s?.title ?? "", abstract: s?.abstract ?? "" };
  });
  const pick = await pickSupportingPaper(opts.backend, { id: p.id, title: p.title, abstract: p.abstract }, texts, {
    ...DEFAULT_PICK_OPTIONS,
    retries: opts.llmRetries,
    seed: opts.seed,
  });
  stats.clippedAbstracts += pick.clippedAbstracts;
  if (pick.source === "fallback") stats.fallback[pick.reason] = (stats.fallback[pick.reason] ?? 0) + 1;
  else stats.llm++;
  return { chosen: pick.index, selection: pick.source };
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
