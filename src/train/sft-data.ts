import { readFileSync, statSync } from "node:fs";
import { CorruptFileError, IdeasteerError } from "../core/index.js";
import type { BpeTokenizer } from "../engine/index.js";

/** One SFT pair as `data build` writes it (sft.*.jsonl): S's prompt and P's golden idea. */
export type SftPairRow = { id: string; supportingId: string; prompt: string; target: string };

/** A tokenized pair: the prompt `<|paper|>…<|idea|>` and the target (the idea, then `<|end|>` unless cut). */
export type SftExample = { id: string; supportingId: string; prompt: number[]; target: number[] };

export type SftLimits = { maxPromptTokens: number; maxTargetTokens: number };

/** How tokenization changed the pairs: cuts are counted, never silent. */
export type SftTokenStats = { rows: number; promptsCut: number; targetsCut: number; meanTokens: number };

const PAPER = "<|paper|>";
const IDEA = "<|idea|>";
const MAX_FILE_BYTES = 512 * 1024 * 1024; // an SFT file larger than this is not one data build wrote
const MAX_LINE_CHARS = 1_000_000; // one pair: a paper and an idea are a few thousand characters

/** Reads sft.*.jsonl; a malformed line is an error naming file:line (these files are ours: bad means corrupt). */
export function readSftRows(file: string): SftPairRow[] {
  const bytes = statSync(file).size;
  if (bytes > MAX_FILE_BYTES)
    throw new CorruptFileError(file, `${bytes} bytes is over the ${MAX_FILE_BYTES}-byte limit for an SFT file`);
  const rows: SftPairRow[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      const where = `${file}:${i + 1}`;
      if (line.length > MAX_LINE_CHARS) throw new CorruptFileError(where, `line of ${line.length} characters`);
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw new CorruptFileError(where, "not JSON");
      }
      const r = v as Partial<SftPairRow>;
      if (typeof r.prompt !== "string" || typeof r.target !== "string" || typeof r.id !== "string")
        throw new CorruptFileError(where, "needs string fields id, prompt and target");
      rows.push({ id: r.id, supportingId: String(r.supportingId ?? ""), prompt: r.prompt, target: r.target });
    });
  return rows;
}

/**
 * The prompt's paper text between `<|paper|>` and `<|idea|>`, encoded as plain text (a control token written in
 * a paper stays text), cut at the end to fit; the target cut likewise, keeping `<|end|>` only when it is whole.
 */
export function tokenizeSftRow(tok: BpeTokenizer, row: SftPairRow, limits: SftLimits): SftExample & { cut: Cut } {
  if (!row.prompt.startsWith(PAPER) || !row.prompt.endsWith(IDEA))
    throw new IdeasteerError("E_DATASETS", `SFT row ${row.id}: prompt is not ${PAPER}…${IDEA}`, {
      hint: "rebuild the datasets with `ideasteer data build`",
    });
  const body = tok.encode(row.prompt.slice(PAPER.length, row.prompt.length - IDEA.length));
  const room = limits.maxPromptTokens - 2;
  const prompt = [tok.tokenId(PAPER), ...body.slice(0, room), tok.tokenId(IDEA)];
  const idea = tok.encode(row.target);
  const whole = idea.length + 1 <= limits.maxTargetTokens;
  const target = whole ? [...idea, tok.tokenId("<|end|>")] : idea.slice(0, limits.maxTargetTokens);
  return {
    id: row.id,
    supportingId: row.supportingId,
    prompt,
    target,
    cut: { prompt: body.length > room, target: !whole },
  };
}

type Cut = { prompt: boolean; target: boolean };

/** Tokenizes every row and counts the cuts. */
export function tokenizeSftRows(
  tok: BpeTokenizer,
  rows: SftPairRow[],
  limits: SftLimits,
): { examples: SftExample[]; stats: SftTokenStats } {
  const stats: SftTokenStats = { rows: rows.length, promptsCut: 0, targetsCut: 0, meanTokens: 0 };
  let total = 0;
  const examples = rows.map((r) => {
    const { cut, ...ex } = tokenizeSftRow(tok, r, limits);
    if (cut.prompt) stats.promptsCut++;
    if (cut.target) stats.targetsCut++;
    total += ex.prompt.length + ex.target.length;
    return ex;
  });
  stats.meanTokens = rows.length > 0 ? Math.round(total / rows.length) : 0;
  return { examples, stats };
}
