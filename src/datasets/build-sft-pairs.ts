import type { Logger } from "../core/index.js";
import { type Idea, renderIdea } from "../idea/index.js";
import { normalizeTitle } from "../library/index.js";
import type { LlmBackend } from "../llm/index.js";
import type { DatasetCard } from "./dataset-card.js";
import { DEFAULT_LLM_EXTRACT_OPTIONS, extractIdeaLlm } from "./extract-idea-llm.js";
import { extractIdeaOffline, type PaperFullText } from "./extract-idea-offline.js";
import { countFill, type FillCounter, newFill } from "./field-fill.js";
import { DEFAULT_PICK_OPTIONS, pickSupportingPaper } from "./pick-supporting-paper.js";
import type { PaperIndex } from "./read-sources.js";
import type { CitationRecord } from "./source-records.js";
import { rankCandidates } from "./supporting-paper.js";

/** An SFT pair: LDC's input (the supporting paper S) and target (the golden idea of the citing paper P). */
export type SftRow = {
  id: string; // P, the citing paper (papers.jsonl id)
  supportingId: string; // S
  prompt: string; // `<|paper|>Title: ...\nAbstract: ...<|idea|>`; trainers append the target and `<|end|>`
  target: string; // renderIdea(golden idea of P)
  selection: "top1" | "llm" | "fallback";
  supportingInTextCount: number;
  candidates: string[]; // the ranked top-K candidate ids
};

export const sftPrompt = (title: string, abstract: string): string =>
  `<|paper|>Title: ${oneLine(title)}\nAbstract: ${oneLine(abstract)}<|idea|>`;

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

/**
 * DESIGN §3's SFT pairs: for each citing paper P, its golden idea (every P with a full text, also
 * those without candidates, so the reward-model text can use it) and its supporting paper S (the
 * top candidate, or the LLM's pick among the top K). Every paper left out is counted by reason.
 */
export async function buildSftPairs(
  citations: CitationRecord[],
  papers: PaperIndex,
  opts: SftPairOptions,
  onPaper: () => void = () => {},
): Promise<SftPairs> {
  const { log } = opts;
  const supporting: DatasetCard["supporting"] = {
    citingPapers: citations.length,
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
  const sftSkipped: Record<string, number> = {};
  const skip = (reason: string) => {
    sftSkipped[reason] = (sftSkipped[reason] ?? 0) + 1;
  };
  const golden = new Map<string, Idea>(); // P (canonical id) -> golden idea
  const goldenFill = newFill();
  const llmStats = {
    failures: {} as Record<string, number>,
    truncatedOutputs: 0,
    clippedInputs: 0,
    droppedInputChars: 0,
  };
  const sftRows: SftRow[] = [];
  let candidateTotal = 0;
  for (const c of citations) {
    onPaper();
    const pId = papers.canonical(c.citing_id);
    const p = papers.get(pId);
    if (!p) {
      skip("citing paper not in papers.jsonl");
      continue;
    }
    const pTitle = normalizeTitle(p.title);
    const ranking = rankCandidates(c, {
      topK: opts.topK,
      hasAbstract: (id) => (papers.get(id)?.abstract.trim() ?? "") !== "",
      isSelf: (id) => papers.canonical(id) === pId || normalizeTitle(papers.get(id)?.title ?? "") === pTitle,
    });
    supporting.selfReferences += ranking.selfReferences;
    supporting.matchedWithoutAbstract += ranking.withoutAbstract;
    supporting.duplicatesMerged += ranking.duplicatesMerged;

    const full: PaperFullText = {
      id: pId,
      title: p.title,
      abstract: p.abstract,
      method: c.sections.method,
      experiments: c.sections.experiments,
    };
    let idea: Idea | null;
    if (opts.extractor === "llm" && opts.backend) {
      const r = await extractIdeaLlm(opts.backend, full, {
        ...DEFAULT_LLM_EXTRACT_OPTIONS,
        retries: opts.llmRetries,
        seed: opts.seed,
      });
      for (const f of r.failures) {
        llmStats.failures[f.kind] = (llmStats.failures[f.kind] ?? 0) + 1;
        log.debug("llm extraction attempt failed", { paper: pId, ...f });
      }
      llmStats.truncatedOutputs += r.truncatedOutputs;
      if (r.inputDroppedChars > 0) llmStats.clippedInputs++;
      llmStats.droppedInputChars += r.inputDroppedChars;
      idea = r.idea;
    } else idea = extractIdeaOffline(full).idea;
    if (idea) {
      golden.set(pId, idea);
      countFill(goldenFill, idea);
    }

    if (ranking.candidates.length === 0) {
      if (ranking.matchedReferences === 0) supporting.noMatchedReference++;
      else supporting.noUsableCandidate++;
      skip("no supporting-paper candidate");
      continue;
    }
    supporting.withCandidates++;
    candidateTotal += ranking.candidates.length;
    if (ranking.tieAtTop) supporting.tiesAtTop++;
    if (ranking.candidates[0]?.inTextCount === 0) supporting.zeroCountTop++;
    if (!idea) {
      skip("golden-idea extraction failed");
      continue;
    }
    if (idea.method.trim() === "") {
      skip("golden idea has no method");
      continue;
    }
    let chosen = 0;
    let selection: SftRow["selection"] = "top1";
    if (opts.supportPicker === "llm" && opts.backend) {
      const texts = ranking.candidates.map((k) => {
        const s = papers.get(k.paperId);
        return { id: k.paperId, title: s?.title ?? "", abstract: s?.abstract ?? "" };
      });
      const pick = await pickSupportingPaper(opts.backend, { id: pId, title: p.title, abstract: p.abstract }, texts, {
        ...DEFAULT_PICK_OPTIONS,
        retries: opts.llmRetries,
        seed: opts.seed,
      });
      supporting.selection.clippedAbstracts += pick.clippedAbstracts;
      chosen = pick.index;
      selection = pick.source;
      if (pick.source === "fallback")
        supporting.selection.fallback[pick.reason] = (supporting.selection.fallback[pick.reason] ?? 0) + 1;
      else supporting.selection.llm++;
    } else supporting.selection.top1++;
    const cand = ranking.candidates[chosen];
    const s = cand ? papers.get(cand.paperId) : undefined;
    if (!cand || !s) {
      skip("supporting paper record missing");
      continue;
    }
    sftRows.push({
      id: pId,
      supportingId: s.id,
      prompt: sftPrompt(s.title, s.abstract),
      target: renderIdea(idea),
      selection,
      supportingInTextCount: cand.inTextCount,
      candidates: ranking.candidates.map((k) => k.paperId),
    });
  }
  supporting.candidatesPerPaper =
    supporting.withCandidates > 0 ? round4(candidateTotal / supporting.withCandidates) : 0;
  return { rows: sftRows, golden, goldenFill, supporting, skipped: sftSkipped, llmStats };
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
