import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { type Command, Option } from "commander";
import { ConfigError, NotFoundError } from "../../core/index.js";
import { DIMENSIONS, EQUAL_WEIGHTS, type Scores, weightsFrom } from "../../idea/index.js";
import {
  dedupIdeas,
  generateIdeas,
  type IdeaEvent,
  IdeaStore,
  ideaRecord,
  PROMPT_MODES,
  type PromptMode,
  type RelatedWork,
  rankIdeas,
  readPaperFile,
  type SourcePaper,
} from "../../ideas/index.js";
import { PaperStore } from "../../library/index.js";
import { isLocalModel } from "../../llm/index.js";
import { createScoreCache, loadRewardModel, SHIPPED_REWARD_MODEL_DIR, scoreIdeas } from "../../reward/index.js";
import { type CliContext, contextFor, floatFlag, intFlag } from "../context.js";
import { controlOptions, modelHashes, relatedWork, withPolicyDefault } from "../idea-generation.js";
import { addLlmOptions, type LlmFlags, llmFlagValues, withBackend } from "../llm-options.js";
import type { RegisterCommands } from "./index.js";

type GenerateFlags = LlmFlags & {
  weights?: string;
  control: string;
  controllers?: string;
  bestOf: number;
  prompt?: PromptMode;
  dedup: number;
  paper?: string;
  paperFile?: string;
  paperIndex: number;
  n: number;
  seed: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  maxAttempts: number;
  rewardModel?: string;
  lora?: string;
  json?: boolean;
  save: boolean;
};

export const registerGenerateCommands: RegisterCommands = (program: Command) => {
  const cmd = program
    .command("generate")
    .description("propose follow-up research ideas for a paper, scored by the reward models")
    .option("--paper <id>", "a paper in the library")
    .option("--paper-file <file>", 'a JSON {"title","abstract"}, a paper-listing page, Markdown or PDF')
    .option("--paper-index <i>", "which paper of a file with several (0: the first)", intFlag("--paper-index"), 0)
    .option("-n, --n <n>", "ideas to generate", intFlag("-n"), 4)
    .option("--seed <s>", "same seed, same ideas", intFlag("--seed"), 1)
    .option(
      "--weights <n,f,e>",
      "novelty, feasibility, effectiveness weights (non-negative, normalised; default equal)",
    )
    .option(
      "--dedup <cosine>",
      "near-duplicate threshold of the ranking summary (TF-IDF cosine)",
      floatFlag("--dedup"),
      0.9,
    )
    .option(
      "--control <mode>",
      "auto | none | static (eps = eps-max * weights for the whole idea, through the controllers) | dynamic (the sentence-level decoder; openai: best-of-K) | best-of-k; auto: dynamic where controllers and a decoder sit beside the model (the shipped policy), none otherwise",
      "auto",
    )
    .option(
      "--best-of <k>",
      "best-of-K: candidates per sentence, kept by the reward models (--control dynamic on openai, or --control best-of-k)",
      intFlag("--best-of"),
      4,
    )
    .addOption(
      new Option("--prompt <mode>", "policy | plain | chat (default: found from the model; openai: chat)").choices([
        ...PROMPT_MODES,
      ]),
    )
    .option(
      "--controllers <dir>",
      "folder with controllers/<dimension>.gguf (train rl, steer extract; default: the model's own folder)",
    )
    .option("--temperature <t>", "sampling temperature (0: greedy)", floatFlag("--temperature"), 0.8)
    .option("--top-p <p>", "nucleus sampling", floatFlag("--top-p"), 0.95)
    .option("--max-tokens <n>", "tokens per idea at most", intFlag("--max-tokens"), 512)
    .option(
      "--max-attempts <n>",
      "generations per idea before giving up (output off the layout is regenerated)",
      intFlag("--max-attempts"),
      6,
    )
    .option("--reward-model <dir>", "reward model folder (default: the shipped models/reward)")
    .option(
      "--lora <adapter.gguf>",
      "a LoRA adapter from `train lora` (llama backend): generates from the prompt it was trained on",
    )
    .option("--no-save", "do not keep the ideas in the idea history (ideasteer ideas list)")
    .option(
      "--json",
      'one line per idea: {"index","text","idea","scores","weights","strengths","related","backend","models","seed"}',
    );
  addLlmOptions(cmd).addHelpText(
    "after",
    `
The builtin backend runs ideasteer's shipped SFT policy (models/policy): a small demonstration model.
Real models: --backend llama --model-path <instruct model .gguf>, or --backend openai --base-url <server>/v1.

Examples:
  $ ideasteer generate --paper-file examples/paper.json -n 4 --json
  $ ideasteer generate --paper neurips2023/009LK0vLcY --seed 7
  $ ideasteer generate --paper-file paper.pdf --backend llama --model-path ~/models/qwen2.5-7b-instruct-q4_k_m.gguf`,
  );
  cmd.action(async (flags: GenerateFlags, self: Command) => {
    const weights = parseWeights(flags.weights);
    const ctx = withPolicyDefault(contextFor(self, llmFlagValues(flags)));
    const { paper, related } = await sourceAndRelated(ctx, flags);
    const rewardDir = flags.rewardModel ?? SHIPPED_REWARD_MODEL_DIR;
    const rewardModel = loadRewardModel(rewardDir);
    const scoreCache = createScoreCache();
    const control = controlOptions(flags.control, {
      controllersDir: flags.controllers ?? (ctx.config.llm.modelPath ? dirname(ctx.config.llm.modelPath) : undefined),
      openai: ctx.config.llm.backend === "openai",
      bestOf: flags.bestOf,
      weights,
      score: (texts) => scoreIdeas(texts, { model: rewardModel, cache: scoreCache }),
    });
    const models = modelHashes(ctx, rewardDir, flags.lora);
    await withBackend(ctx, async (backend) => {
      if (flags.lora) {
        if (!isLocalModel(backend))
          throw new ConfigError(
            "--lora needs a local model",
            "use --backend llama --model-path <the adapter's base .gguf>",
          );
        await backend.addLora(flags.lora, 1);
      }
      const events = generateIdeas(paper, {
        promptMode: flags.prompt ?? (flags.lora ? "plain" : undefined),
        backend,
        n: flags.n,
        seed: flags.seed,
        temperature: flags.temperature,
        topP: flags.topP,
        maxTokens: flags.maxTokens,
        maxPromptTokens: flags.lora ? 640 : 480, // the cuts `train lora` and `train sft` trained with
        maxAttempts: flags.maxAttempts,
        rewardModel,
        scoreCache,
        related,
        ...control,
      });
      const history = flags.save ? IdeaStore.open(ctx.config.library.dbPath) : null;
      const run = randomUUID().slice(0, 8);
      try {
        const done: Extract<IdeaEvent, { type: "idea" }>[] = [];
        for await (const e of events) {
          if (e.type === "idea") done.push(e);
          else if (e.type === "done" && !flags.json) process.stdout.write(rankingSummary(done, weights, flags.dedup));
          const saved =
            e.type === "idea" && history
              ? history.save([{ ...e, run, weights, backend: backend.name, models, paper: toSavedPaper(paper) }])[0]
              : undefined;
          process.stdout.write(render(e, { json: flags.json, backend: backend.name, models, weights, saved }));
        }
      } finally {
        history?.close();
      }
    });
  });
};

/** The paper (from the library or a file) and what the ideas are related to: it, and its nearest prior work. */
async function sourceAndRelated(
  ctx: CliContext,
  flags: GenerateFlags,
): Promise<{ paper: SourcePaper; related: RelatedWork[] }> {
  if ((flags.paper === undefined) === (flags.paperFile === undefined))
    throw new NotFoundError("paper", "(none)", "give exactly one of --paper <library id> or --paper-file <file>");
  const dbPath = ctx.config.library.dbPath;
  const library = PaperStore.exists(dbPath) ? PaperStore.open(dbPath, { readonly: true, log: ctx.log }) : null;
  try {
    const paper = flags.paper !== undefined ? fromLibrary(library, flags.paper) : await fromFile(ctx, flags);
    return { paper, related: relatedWork(library, paper) };
  } finally {
    library?.close();
  }
}

function fromLibrary(library: PaperStore | null, id: string): SourcePaper {
  const p = library?.get(id);
  if (!p)
    throw new NotFoundError("paper", id, "find its id with: ideasteer library search <words>, or use --paper-file");
  return { id: p.id, title: p.title, abstract: p.abstract };
}

async function fromFile(ctx: CliContext, flags: GenerateFlags): Promise<SourcePaper> {
  const papers = await readPaperFile(flags.paperFile as string);
  const p = papers[flags.paperIndex];
  if (!p)
    throw new NotFoundError(
      "paper",
      `#${flags.paperIndex} of ${flags.paperFile}`,
      `the file holds ${papers.length}; use --paper-index 0-${papers.length - 1}`,
    );
  if (papers.length > 1)
    ctx.log.info("paper file holds several papers; generating for one", {
      file: flags.paperFile,
      papers: papers.length,
      index: flags.paperIndex,
      title: p.title,
    });
  return p;
}

const toSavedPaper = (p: SourcePaper) => ({ id: p.id ?? null, title: p.title, abstract: p.abstract });

function render(
  e: IdeaEvent,
  o: { json?: boolean; backend: string; models: Record<string, string>; weights: Scores; saved?: number },
): string {
  if (e.type === "sentence") return ""; // the CLI prints whole ideas
  if (e.type === "done")
    return o.json
      ? ""
      : `${e.ideas} ideas; ${e.parsedFirstTry} in the layout at the first try, ${e.attempts} generations in all\n`;
  if (o.json) return `${JSON.stringify(ideaRecord(e, o))}\n`;
  const scores = e.scores
    ? DIMENSIONS.map((d) => `${d} ${(e.scores as Record<string, number>)[d]?.toFixed(2)}`).join(", ")
    : "";
  const id = o.saved === undefined ? "" : ` [saved as ${o.saved}]`;
  return `## Idea ${e.index + 1}${scores ? ` (${scores})` : ""}${id}\n\n${e.text}\n\n`;
}

/** "n,f,e" -> weights on the simplex; none given: equal. */
function parseWeights(text: string | undefined): Scores {
  if (text === undefined) return EQUAL_WEIGHTS;
  const w = weightsFrom(text);
  if (!w)
    throw new ConfigError(
      `--weights ${text}`,
      "give three non-negative numbers, not all 0: novelty,feasibility,effectiveness",
    );
  return w;
}

/** After the ideas (text mode): their order by the user's weights, and which ones repeat a better-ranked idea. */
function rankingSummary(ideas: Extract<IdeaEvent, { type: "idea" }>[], weights: Scores, threshold: number): string {
  if (ideas.length < 2) return "";
  const order = rankIdeas(ideas, weights);
  const { dropped } = dedupIdeas(
    ideas.map((e) => e.text),
    order,
    { threshold },
  );
  const w = DIMENSIONS.map((d) => weights[d].toFixed(2)).join("/");
  const lines = [`ranked by your weights (n/f/e ${w}): ${order.map((i) => `idea ${i + 1}`).join(" > ")}`];
  for (const d of dropped)
    lines.push(
      `idea ${d.index + 1} nearly repeats idea ${d.duplicateOf + 1} (cosine ${d.similarity.toFixed(2)}): set it aside`,
    );
  return `${lines.join("\n")}\n`;
}
