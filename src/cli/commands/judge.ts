import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { JudgeConfig } from "../../config/index.js";
import { IdeasteerError, InputError, NotFoundError } from "../../core/index.js";
import { completeIdea, DIMENSIONS, type Idea, parseIdea, parseIdeaLoose } from "../../idea/index.js";
import {
  type Judgement,
  judgeIdea,
  type NoveltyMethod,
  type RetrievalNovelty,
  retrievalNovelty,
} from "../../judge/index.js";
import { PaperStore } from "../../library/index.js";
import type { LlmBackend } from "../../llm/index.js";
import { addConfigFlags, configFlags, configFlagValues, type FlagsOf } from "../config-flags.js";
import { type CliContext, contextFor } from "../context.js";
import { addLlmOptions, type LlmFlags, llmFlagValues, withBackend } from "../llm-options.js";
import type { RegisterCommands } from "./index.js";

const JUDGE_FLAGS = configFlags({
  section: "judge",
  schema: JudgeConfig,
  fields: {
    samples: "<n>",
    topK: "<n>",
    referenceK: "<n>",
    maxAttempts: "<n>",
    maxTokens: "<n>",
    temperature: "<t>",
    seed: "<n>",
    noveltyMethod: "<name>",
    noveltyTopK: "<n>",
  },
});

type JudgeFlags = LlmFlags &
  FlagsOf<typeof JUDGE_FLAGS> & {
    text?: string;
    paper?: string;
    llm: boolean; // --no-llm: retrieval novelty only
    json?: boolean;
  };

export const registerJudgeCommands: RegisterCommands = (program: Command) => {
  const cmd = program
    .command("judge")
    .description("score an idea on novelty, feasibility and effectiveness with the retrieval-augmented LLM judge")
    .argument("[file]", 'idea file (the Title/Method/Experiment Plan layout, or free text); "-" reads stdin')
    .option("--text <idea>", "the idea as text instead of a file")
    .option("--paper <id>", "the paper the idea builds on: adds its most-cited recent references as related work");
  addConfigFlags(cmd, JUDGE_FLAGS)
    .option("--no-llm", "retrieval novelty only: no LLM is loaded")
    .option("--json", "print the whole judgement as JSON");
  addLlmOptions(cmd).addHelpText(
    "after",
    `
Examples:
  $ ideasteer judge idea.txt --paper neurips2023/009LK0vLcY --backend llama --model-path ~/models/qwen2.5-7b-instruct-q4_k_m.gguf
  $ ideasteer judge --text "Title: ..." --backend openai --base-url http://127.0.0.1:8000/v1 --model Qwen/Qwen2.5-7B-Instruct --samples 3
  $ ideasteer judge idea.txt --no-llm --json      # retrieval novelty only`,
  );
  cmd.action(async (file: string | undefined, flags: JudgeFlags, self: Command) => {
    const ctx = contextFor(self, { ...llmFlagValues(flags), ...configFlagValues(JUDGE_FLAGS, flags) });
    const idea = readIdea(file, flags.text);
    const library = openLibraryHolding({ ...ctx, paperId: flags.paper });
    try {
      if (flags.llm) process.stderr.write(judgeBackendNotice(ctx));
      const needed = flags.llm || ctx.config.judge.noveltyMethod === "embedding";
      const report = await withBackend({ ...ctx, needed }, (backend) =>
        scoreIdea({ ...ctx, backend, library, idea, paperId: flags.paper, useLlm: flags.llm }),
      );
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report.judgement, report.retrievalNovelty),
      );
      if (report.judgeError) {
        process.stderr.write(`error: the LLM judge gave no score: ${report.judgeError}\nhint: ${CONFIGURE_JUDGE}\n`);
        process.exitCode = 1;
      }
    } finally {
      library.close();
    }
  });
};

/** The library, read-only; a --paper it does not hold is refused before any model loads. */
function openLibraryHolding(opts: CliContext & { paperId?: string }): PaperStore {
  const library = PaperStore.open(opts.config.library.dbPath, { readonly: true, log: opts.log });
  if (opts.paperId !== undefined && library.get(opts.paperId) === null) {
    library.close();
    throw new NotFoundError("paper", opts.paperId, "find its id with: ideasteer library search <words>");
  }
  return library;
}

type JudgeReport = { judgement: Judgement | null; retrievalNovelty: RetrievalNovelty; judgeError?: string };

const CONFIGURE_JUDGE =
  "judge with a real model: --backend llama --model-path <instruct model .gguf>, or --backend openai " +
  "--base-url <server>/v1 --model <name> (or set llm.* in the config); --no-llm gives retrieval novelty alone";

/** Which model the judge will ask, said before it loads; the shipped demonstration model cannot judge. */
function judgeBackendNotice({ config }: CliContext): string {
  const { backend, modelPath, baseUrl, model } = config.llm;
  if (backend === "openai") return `judge: openai backend, ${baseUrl}${model ? ` (${model})` : ""}\n`;
  if (backend === "llama") return `judge: llama backend, ${modelPath}\n`;
  if (modelPath) return `judge: builtin backend, ${modelPath}\n`;
  return (
    "judge: no judge model is configured, so the builtin backend runs ideasteer's shipped demonstration model " +
    `(a small demonstration model trained on paper abstracts, which cannot judge ideas).\n${CONFIGURE_JUDGE}\n`
  );
}

/** The LLM judge's scores (unless --no-llm) and the retrieval novelty of one idea against the library. */
async function scoreIdea(
  opts: CliContext & {
    backend: LlmBackend | undefined;
    library: PaperStore;
    idea: Idea | string;
    paperId: string | undefined;
    useLlm: boolean;
  },
): Promise<JudgeReport> {
  const { backend, library, log, idea } = opts;
  const j = opts.config.judge;
  // Retrieval novelty first: it needs no model, so it is printed whatever happens to the LLM part.
  const novelty = await retrievalNovelty({ library, backend }, idea, {
    topK: j.noveltyTopK,
    method: j.noveltyMethod as NoveltyMethod,
    excludeIds: opts.paperId ? [opts.paperId] : [],
  });
  if (!opts.useLlm) return { judgement: null, retrievalNovelty: novelty };
  try {
    const judgement = await judgeIdea(
      { backend: backend as LlmBackend, library, log },
      { idea, sourcePaperId: opts.paperId ?? null },
      j,
    );
    return { judgement, retrievalNovelty: novelty };
  } catch (e) {
    if (!(e instanceof IdeasteerError)) throw e;
    return { judgement: null, retrievalNovelty: novelty, judgeError: e.message };
  }
}

/** The idea from --text, a file or stdin: the exact layout, else a complete loose parse, else the text as it is. */
function readIdea(file: string | undefined, text: string | undefined): Idea | string {
  if (text !== undefined && file !== undefined) throw new InputError({ file }, "give an idea file or --text, not both");
  const raw = text ?? (file === undefined ? undefined : readFileSync(file === "-" ? 0 : file, "utf8"));
  if (raw === undefined || raw.trim() === "") {
    throw new InputError({ file: file ?? "--text" }, "no idea given", {
      hint: 'ideasteer judge idea.txt, or --text "..."',
    });
  }
  try {
    return parseIdea(raw, file ?? "--text");
  } catch {
    return completeIdea(parseIdeaLoose(raw)) ?? raw.trim();
  }
}

// Model output and library text reach a terminal: control characters (escape sequences) are blanked.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g;

function formatReport(j: Judgement | null, n: RetrievalNovelty): string {
  const lines: string[] = [];
  if (j) {
    lines.push(
      `judge: ${j.backend}, ${j.summary.n} sample(s)${j.failedSamples.length ? `, ${j.failedSamples.length} failed` : ""}`,
    );
    if (j.source) lines.push(`source paper: ${j.source.id}  ${j.source.title}`);
    if (j.noveltyWithoutEvidence)
      lines.push("no related work found in the library: novelty is judged WITHOUT evidence");
    for (const p of j.related) {
      const why = p.via === "search" ? `bm25 ${(p.bm25 ?? 0).toFixed(1)}` : `cited ${p.inTextCount}x`;
      lines.push(`  related ${p.id}  (${why}, ${p.year ?? "?"})  ${p.title}`);
    }
    const last = j.samples[j.samples.length - 1];
    for (const d of DIMENSIONS) {
      const s = j.summary.dimensions[d];
      const spread = j.summary.n > 1 ? ` ± ${s.std.toFixed(2)} [${s.min}-${s.max}]` : "";
      lines.push(`${d.padEnd(13)} ${s.score.toFixed(1).padStart(4)}/10  -> ${s.mapped.toFixed(3)}${spread}`);
      if (last) {
        const x = last.scores[d];
        if (x.citedIds.length) lines.push(`    cites: ${x.citedIds.join(", ")}`);
        lines.push(`    ${x.rationale}`);
      }
    }
  }
  if (n.novelty === null) lines.push(`retrieval novelty (${n.method}): none (nothing retrieved)`);
  else {
    const top = n.nearest[0];
    lines.push(
      `retrieval novelty (${n.method}, top ${n.nearest.length}): ${n.novelty.toFixed(3)}; nearest ${top?.id} (similarity ${top?.similarity.toFixed(3)})  ${top?.title}`,
    );
  }
  return `${lines.map((l) => l.replace(CONTROL, " ")).join("\n")}\n`;
}
