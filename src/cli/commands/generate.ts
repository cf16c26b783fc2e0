import { randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { type Command, Option } from "commander";
import { ConfigError, NotFoundError } from "../../core/index.js";
import { DIMENSIONS, type Scores } from "../../idea/index.js";
import {
  combinePapers,
  dedupIdeas,
  generateIdeas,
  type IdeaEvent,
  IdeaStore,
  ideaRecord,
  MAX_COMBINED_PAPERS,
  MAX_TOURNAMENT_IDEAS,
  PROMPT_MODES,
  type PromptMode,
  type RelatedWork,
  rankIdeas,
  readPaperFile,
  type SourcePaper,
  tournamentRank,
} from "../../ideas/index.js";
import { compareIdeas, judgeIdea, retrievalNovelty } from "../../judge/index.js";
import { searchLibrary } from "../../library/index.js";
import { isLocalModel, type LlmBackend, openBackend } from "../../llm/index.js";
import { createScoreCache, loadRewardModel, SHIPPED_REWARD_MODEL_DIR, scoreIdeas } from "../../reward/index.js";
import { BEST_OF_K_OBJECTIVE_HELP, BEST_OF_K_OBJECTIVES, type BestOfKObjective } from "../../steer/index.js";
import { type CliContext, contextFor, floatFlag, intFlag } from "../context.js";
import {
  appliedControl,
  controlHashes,
  controlOptions,
  embedTexts,
  type LibraryHandle,
  modelHashes,
  openLibrary,
  relatedWork,
  withPolicyDefault,
} from "../idea-generation.js";
import { addLlmOptions, type LlmFlags, llmFlagValues, withBackend } from "../llm-options.js";
import { parseWeightsFlag } from "../weights-flag.js";
import type { RegisterCommands } from "./index.js";

type GenerateFlags = LlmFlags & {
  weights?: string;
  control: string;
  controllers?: string;
  bestOf: number;
  bestOfObjective: string;
  prompt?: PromptMode;
  dedup: number;
  paper?: string;
  papers?: string;
  topic?: string;
  topicPapers: number;
  paperFile?: string;
  paperIndex: number;
  rank: string;
  judge?: boolean;
  judgeBackend?: string;
  judgeModelPath?: string;
  judgeBaseUrl?: string;
  judgeModel?: string;
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
    .option("--papers <ids>", `2-${MAX_COMBINED_PAPERS} library ids, comma-separated: ideas that combine them`)
    .option("--topic <query>", "a topic: ideas from the library's best matches for it (hybrid search)")
    .option(
      "--topic-papers <k>",
      "how many of the topic's best matches the ideas combine",
      intFlag("--topic-papers"),
      2,
    )
    .addOption(
      new Option(
        "--rank <how>",
        `score (w · the reward models' scores) | tournament (a judge compares every pair in both orders; at most ${MAX_TOURNAMENT_IDEAS} ideas)`,
      )
        .choices(["score", "tournament"])
        .default("score"),
    )
    .option("--judge", "also score each idea with the LLM judge (retrieval-augmented; the backend below)")
    .option("--judge-backend <kind>", "the judge's backend: llama | openai (default: the generating backend)")
    .option("--judge-model-path <gguf>", "the judge's GGUF (--judge-backend llama)")
    .option("--judge-base-url <url>", "the judge's OpenAI-compatible server (--judge-backend openai)")
    .option("--judge-model <name>", "the judge's model name on that server")
    .option("-n, --n <n>", "ideas to generate", intFlag("-n"), 4)
    .option("--seed <s>", "same seed, same ideas", intFlag("--seed"), 1)
    .option(
      "--weights <n,f,e>",
      "novelty, feasibility, effectiveness weights (non-negative, normalised; default equal)",
    )
    .option(
      "--dedup <cosine>",
      "near-duplicate threshold of the ranking summary (cosine of the dense index's embeddings; TF-IDF without one)",
      floatFlag("--dedup"),
      0.9,
    )
    .option(
      "--control <mode>",
      "auto | none | static (eps = eps-max * weights for the whole idea, through the controllers) | dynamic (the sentence-level decoder; openai: best-of-K) | best-of-k | static+best-of-k (K candidates per sentence under the static vector) | dynamic+best-of-k (K candidates per sentence under the decoder's strengths); auto: dynamic where controllers and a decoder sit beside the model (the shipped policy), none otherwise",
      "auto",
    )
    .option(
      "--best-of <k>",
      "best-of-K: candidates per sentence, kept by the reward models (--control dynamic on openai, or --control best-of-k)",
      intFlag("--best-of"),
      4,
    )
    .addOption(
      new Option("--best-of-objective <objective>", `what best-of-K keeps: ${BEST_OF_K_OBJECTIVE_HELP}`)
        .choices([...BEST_OF_K_OBJECTIVES])
        .default("weighted"),
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
    .option(
      "--reward-model <dir>",
      "reward model folder that scores, ranks and selects best-of-K (default: the shipped models/reward); the dynamic decoder reads the one it was trained against",
    )
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
The builtin backend runs ideasteer's shipped RL policy (models/policy-rl, with its controllers and decoder): a small
demonstration model.
Real models: --backend llama --model-path <instruct model .gguf>, or --backend openai --base-url <server>/v1.

Examples:
  $ ideasteer generate --paper-file examples/paper.json -n 4 --json
  $ ideasteer generate --paper neurips2023/009LK0vLcY --seed 7
  $ ideasteer generate --paper-file paper.pdf --backend llama --model-path ~/models/qwen2.5-7b-instruct-q4_k_m.gguf`,
  );
  cmd.action(async (flags: GenerateFlags, self: Command) => {
    const weights = parseWeightsFlag(flags.weights);
    const ctx = withPolicyDefault(contextFor(self, llmFlagValues(flags)));
    const library = openLibrary(ctx.config.library.dbPath, ctx.log);
    try {
      await generateFor(ctx, flags, weights, library);
    } finally {
      library?.close();
    }
  });
};

/** One `generate` run with the library open: the source, generation, extra scores, output, the history. */
async function generateFor(ctx: CliContext, flags: GenerateFlags, weights: Scores, library: LibraryHandle | null) {
  const { paper, related } = await sourceAndRelated(ctx, flags, library);
  const rewardDir = flags.rewardModel ?? SHIPPED_REWARD_MODEL_DIR;
  const rewardModel = loadRewardModel(rewardDir);
  const scoreCache = createScoreCache();
  const controllersDir =
    flags.controllers ?? (ctx.config.llm.modelPath ? dirname(ctx.config.llm.modelPath) : undefined);
  const control = controlOptions(flags.control, {
    controllersDir,
    openai: ctx.config.llm.backend === "openai",
    bestOf: flags.bestOf,
    bestOfObjective: flags.bestOfObjective as BestOfKObjective,
    weights,
    score: (texts) => scoreIdeas(texts, { model: rewardModel, cache: scoreCache }),
  });
  const models = {
    ...modelHashes(ctx, rewardDir, flags.lora),
    ...controlHashes(appliedControl(control), controllersDir, flags.bestOfObjective as BestOfKObjective),
  };
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
    const judge = judgeBackend(ctx, flags, backend);
    const run = randomUUID().slice(0, 8);
    try {
      const done: Extract<IdeaEvent, { type: "idea" }>[] = [];
      // --json with a tournament: the lines wait for it and come out in its order, each with its "rank".
      const held: string[] = [];
      const holdJson = flags.json === true && flags.rank === "tournament";
      for await (const e of events) {
        if (e.type === "idea") done.push(e);
        else if (e.type === "done") {
          const tournament =
            flags.rank === "tournament" ? await judgeTournament(await judge.get(), paper, done, weights) : null;
          if (holdJson) process.stdout.write(inOrder(held, tournament?.order));
          if (!flags.json) {
            const dedup = {
              threshold: flags.dedup,
              embeddings: embedTexts(
                library,
                done.map((x) => x.text),
              ),
            };
            process.stdout.write(rankingSummary(done, weights, dedup, tournament));
          }
        }
        const saved =
          e.type === "idea" && history
            ? history.save([{ ...e, run, weights, backend: backend.name, models, paper: toSavedPaper(paper) }])[0]
            : undefined;
        const extra =
          e.type === "idea" ? await extraScores(e, { library, paper, judge: flags.judge ? judge : null }) : {};
        const out = render(e, { json: flags.json, backend: backend.name, models, weights, saved, extra });
        if (holdJson && e.type === "idea") held.push(out);
        else process.stdout.write(out);
      }
    } finally {
      history?.close();
      await judge.close();
    }
  });
}

type ExtraScores = { retrievalNovelty?: number | null; judge?: Scores };

/**
 * Scores beside the reward models': retrieval novelty against the library (1 - the highest similarity to the
 * papers search finds for the idea, the source papers left out), and the LLM judge's when --judge.
 */
async function extraScores(
  e: Extract<IdeaEvent, { type: "idea" }>,
  o: { library: LibraryHandle | null; paper: SourcePaper; judge: JudgeBackend | null },
): Promise<ExtraScores> {
  const sources = e.related.filter((r) => r.role === "source").map((r) => r.id);
  const out: ExtraScores = {};
  if (o.library) {
    const r = await retrievalNovelty({ library: o.library.store }, e.idea, { excludeIds: sources });
    out.retrievalNovelty = r.novelty;
  }
  if (o.judge) {
    const sourcePaperId = sources.length === 1 && o.paper.id ? o.paper.id : null; // a combined source has no one paper
    const j = await judgeIdea(
      { backend: await o.judge.get(), library: o.library?.store ?? EMPTY_LIBRARY },
      {
        idea: e.idea,
        sourcePaperId,
      },
    );
    out.judge = j.scores;
  }
  return out;
}

const EMPTY_LIBRARY = { similarToText: () => [], get: () => null };

type JudgeBackend = { get(): Promise<LlmBackend>; close(): Promise<void> };

/** The judge's backend, opened on first use: --judge-backend and its flags, else the generating backend. */
function judgeBackend(ctx: CliContext, flags: GenerateFlags, generator: LlmBackend): JudgeBackend {
  let opened: Promise<LlmBackend> | null = null;
  const kind = flags.judgeBackend;
  if (kind !== undefined && kind !== "llama" && kind !== "openai")
    throw new ConfigError(`unknown --judge-backend "${kind}"`, "use llama or openai");
  return {
    get: () => {
      if (!kind) return Promise.resolve(generator);
      opened ??= openBackend(kind, {
        llm: {
          ...ctx.config.llm,
          backend: kind,
          modelPath: flags.judgeModelPath ?? "",
          baseUrl: flags.judgeBaseUrl ?? ctx.config.llm.baseUrl,
          model: flags.judgeModel ?? "",
        },
        home: ctx.config.home,
        log: ctx.log,
      });
      return opened;
    },
    close: async () => {
      const b = await opened?.catch(() => null);
      await b?.close();
    },
  };
}

/**
 * The source (a library paper, a file's paper, several library papers combined, or a topic's best matches
 * combined) and what the ideas are related to: the source papers, then their nearest prior work.
 */
async function sourceAndRelated(
  ctx: CliContext,
  flags: GenerateFlags,
  _library: LibraryHandle | null,
): Promise<{ paper: SourcePaper; related: RelatedWork[] }> {
  const given = [flags.paper, flags.paperFile, flags.papers, flags.topic].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new NotFoundError(
      "paper",
      "(none)",
      "give exactly one of --paper <library id>, --paper-file <file>, --papers <id,id>, --topic <query>",
    );
  const library = openLibrary(ctx.config.library.dbPath, ctx.log);
  try {
    const sources = flags.paperFile !== undefined ? [await fromFile(ctx, flags)] : fromLibrary(library, flags);
    const paper = combinePapers(sources);
    return { paper, related: relatedWork(library, paper, sources) };
  } finally {
    library?.close();
  }
}

/** --paper, --papers or --topic: the library papers the ideas build on. */
function fromLibrary(library: LibraryHandle | null, flags: GenerateFlags): SourcePaper[] {
  const ids = flags.topic !== undefined ? topicIds(library, flags.topic, flags.topicPapers) : idsOf(flags);
  return ids.map((id) => {
    const p = library?.store.get(id);
    if (!p)
      throw new NotFoundError("paper", id, "find its id with: ideasteer library search <words>, or use --paper-file");
    return { id: p.id, title: p.title, abstract: p.abstract };
  });
}

function idsOf(flags: GenerateFlags): string[] {
  if (flags.paper !== undefined) return [flags.paper];
  const ids = [
    ...new Set(
      (flags.papers ?? "")
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  ];
  if (ids.length < 2 || ids.length > MAX_COMBINED_PAPERS)
    throw new ConfigError(
      `--papers takes 2-${MAX_COMBINED_PAPERS} distinct library ids`,
      "e.g. --papers iclr2020/a,iclr2020/b",
    );
  return ids;
}

/** The topic's best matches in the library (hybrid search once the dense index exists). */
function topicIds(library: LibraryHandle | null, topic: string, k: number): string[] {
  if (k < 1 || k > MAX_COMBINED_PAPERS) throw new ConfigError(`--topic-papers takes 1-${MAX_COMBINED_PAPERS}`);
  if (!library) throw new NotFoundError("library", "(empty)", "add papers first: ideasteer library add <file>");
  const mode = library.dense ? "hybrid" : "bm25";
  const hits = searchLibrary(library.store, library.dense, topic, { mode, limit: k });
  if (hits.length === 0)
    throw new NotFoundError("paper", `about "${topic}"`, "try other words, or: ideasteer library search <words>");
  return hits.map((h) => h.id);
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
  o: {
    json?: boolean;
    backend: string;
    models: Record<string, string>;
    weights: Scores;
    saved?: number;
    extra?: ExtraScores;
  },
): string {
  if (e.type === "sentence") return ""; // the CLI prints whole ideas
  if (e.type === "done")
    return o.json
      ? ""
      : `${e.ideas} ideas; ${e.parsedFirstTry} in the layout at the first try, ${e.attempts} generations in all\n`;
  if (o.json) return `${JSON.stringify({ ...ideaRecord(e, o), ...o.extra })}\n`;
  const scores = e.scores
    ? DIMENSIONS.map((d) => `${d} ${(e.scores as Record<string, number>)[d]?.toFixed(2)}`).join(", ")
    : "";
  const id = o.saved === undefined ? "" : ` [saved as ${o.saved}]`;
  const more = [
    o.extra?.retrievalNovelty != null ? `retrieval novelty ${o.extra.retrievalNovelty.toFixed(2)}` : "",
    o.extra?.judge ? `judge ${DIMENSIONS.map((d) => `${d} ${o.extra?.judge?.[d].toFixed(2)}`).join(", ")}` : "",
    e.uncontrolled ? "written without control: the steered attempts left the layout" : "",
  ].filter(Boolean);
  const extra = more.length ? `\n(${more.join("; ")})` : "";
  return `## Idea ${e.index + 1}${scores ? ` (${scores})` : ""}${id}${extra}\n\n${e.text}\n\n`;
}

/** --rank tournament: the judge compares every pair of the best MAX_TOURNAMENT_IDEAS ideas in both orders. */
async function judgeTournament(
  judge: LlmBackend,
  paper: SourcePaper,
  ideas: Extract<IdeaEvent, { type: "idea" }>[],
  weights: Scores,
): Promise<Tournament | null> {
  if (ideas.length < 2) return null;
  const entrants = rankIdeas(ideas, weights).slice(0, MAX_TOURNAMENT_IDEAS);
  const text = (i: number) => (ideas[entrants[i] as number] as { text: string }).text;
  const r = await tournamentRank(
    entrants.length,
    (a, b) => compareIdeas(judge, { paper, a: text(a), b: text(b) }),
    weights,
  );
  return { order: r.order.map((i) => entrants[i] as number), comparisons: r.comparisons };
}

type Tournament = { order: number[]; comparisons: number };

/** Held JSON lines (one per idea, in generation order) in `order`, each with its 1-based "rank"; unranked last. */
function inOrder(lines: string[], order: number[] = []): string {
  const rest = lines.map((_, i) => i).filter((i) => !order.includes(i));
  return [...order, ...rest]
    .map((i, k) => `${JSON.stringify({ ...(JSON.parse(lines[i] as string) as object), rank: k + 1 })}\n`)
    .join("");
}

/** After the ideas (text mode): their order by the user's weights, and which ones repeat a better-ranked idea. */
function rankingSummary(
  ideas: Extract<IdeaEvent, { type: "idea" }>[],
  weights: Scores,
  dedup: { threshold: number; embeddings?: Float32Array[] },
  tournament: Tournament | null = null,
): string {
  if (ideas.length < 2) return "";
  const order = tournament?.order ?? rankIdeas(ideas, weights);
  const { dropped } = dedupIdeas(
    ideas.map((e) => e.text),
    order,
    dedup,
  );
  const w = DIMENSIONS.map((d) => weights[d].toFixed(2)).join("/");
  const by = tournament
    ? `a judge tournament (${tournament.comparisons} comparisons) under your weights`
    : "your weights";
  const lines = [`ranked by ${by} (n/f/e ${w}): ${order.map((i) => `idea ${i + 1}`).join(" > ")}`];
  for (const d of dropped)
    lines.push(
      `idea ${d.index + 1} nearly repeats idea ${d.duplicateOf + 1} (${dedup.embeddings ? "embedding" : "TF-IDF"} cosine ${d.similarity.toFixed(2)}): set it aside`,
    );
  return `${lines.join("\n")}\n`;
}
