import { existsSync } from "node:fs";
import { join } from "node:path";
import { NotFoundError } from "../core/index.js";
import { modelHash, type RelatedWork, type SourcePaper } from "../ideas/index.js";
import type { PaperStore } from "../library/index.js";
import { SHIPPED_POLICY_PATH } from "../llm/index.js";
import type { CliContext } from "./context.js";

/** builtin with no model path generates with the SFT policy (the home's, then the shipped one). */
export function withPolicyDefault(ctx: CliContext): CliContext {
  const { llm } = ctx.config;
  if (llm.backend !== "builtin" || llm.modelPath) return ctx;
  const candidates = [join(ctx.config.home, "models", "policy", "model.gguf"), SHIPPED_POLICY_PATH];
  const modelPath = candidates.find((p) => existsSync(p));
  if (!modelPath)
    throw new NotFoundError(
      "SFT policy",
      candidates.join(" or "),
      "train one with `ideasteer train sft` and export it",
    );
  return { ...ctx, config: { ...ctx.config, llm: { ...llm, modelPath } } };
}

/** What an idea builds on: the paper itself, then its nearest prior work in the library (when there is one). */
export function relatedWork(library: PaperStore | null, paper: SourcePaper): RelatedWork[] {
  const source: RelatedWork = { id: paper.id ?? "(paper file)", title: paper.title, role: "source" };
  const prior = library
    ? library
        .similarToText(`${paper.title}\n${paper.abstract}`, { limit: 3, excludeIds: paper.id ? [paper.id] : [] })
        .map((h): RelatedWork => ({ id: h.id, title: h.title, role: "prior", year: h.year }))
    : [];
  return [source, ...prior];
}

/** Content hashes of the models behind an idea (the policy, the reward model, a LoRA adapter). */
export function modelHashes(ctx: CliContext, rewardDir: string, lora?: string): Record<string, string> {
  const { llm } = ctx.config;
  const models: Record<string, string> = {
    policy: llm.backend === "openai" ? `openai:${llm.model}` : modelHash(llm.modelPath),
    reward: modelHash(join(rewardDir, "model.json")),
  };
  if (lora) models.lora = modelHash(lora);
  return models;
}
