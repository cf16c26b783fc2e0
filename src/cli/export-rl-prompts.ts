import { createRng } from "../core/index.js";
import { sftSourcePapers } from "../eval/index.js";
import { DIMENSIONS, EQUAL_WEIGHTS } from "../idea/index.js";
import { chatPrompt } from "../ideas/index.js";
import { readSftRows, sampleWeights } from "../train/index.js";

/** One line of the RL prompt file OpenRLHF reads with `--input_key messages --label_key label --apply_chat_template`. */
export type OpenRlhfPromptRow = { id: string; messages: { role: string; content: string }[]; label: string };

/**
 * RL prompts for OpenRLHF (issue 12 §6): one row per distinct paper of an sft.*.jsonl file, the paper fenced as
 * data in the chat ideasteer uses for real models, and weights w ~ Dirichlet(1) in `label` ("n,f,e"), which the
 * reward routes read back (POST /reward/openrlhf). `equal`: every label 1/3 each (a weight-free baseline run).
 */
export function openRlhfPromptRows(sftFile: string, o: { seed: number; equal?: boolean }): OpenRlhfPromptRow[] {
  const rng = createRng(o.seed);
  return sftSourcePapers(readSftRows(sftFile)).map((paper) => {
    const w = o.equal ? EQUAL_WEIGHTS : sampleWeights(rng);
    return {
      id: paper.id ?? "",
      messages: chatPrompt(paper),
      label: DIMENSIONS.map((d) => w[d].toFixed(4)).join(","),
    };
  });
}
