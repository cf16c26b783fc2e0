import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { JudgeConfig } from "../../config/index.js";
import { InputError, NotFoundError } from "../../core/index.js";
import { completeIdea, DIMENSIONS, type Idea, parseIdea, parseIdeaLoose } from "../../idea/index.js";
import {
  type Judgement,
  judgeIdea,
  NOVELTY_METHODS,
  type NoveltyMethod,
  type RetrievalNovelty,
  retrievalNovelty,
} from "../../judge/index.js";
import { PaperStore } from "../../library/index.js";
import { type LlmBackend, openBackend } from "../../llm/index.js";
import { contextFor, floatFlag, intFlag } from "../context.js";
import { addLlmOptions, type LlmFlags, llmFlagValues } from "../llm-options.js";
import type { RegisterCommands } from "./index.js";

const desc = (key: keyof typeof JudgeConfig.shape): string => JudgeConfig.shape[key].description ?? "";

type JudgeFlags = LlmFlags & {
  text?: string;
  paper?: string;
  samples?: number;
  topK?: number;
  referenceK?: number;
  maxAttempts?: number;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  noveltyMethod?: string;
  noveltyTopK?: number;
  llm: boolean; // --no-llm: retrieval novelty only
  json?: boolean;
};

export const registerJudgeCommands: RegisterCommands = (program: Command) => {
  const cmd = program
    .command("judge")
    .description("score an idea on novelty, feasibility and effectiveness with the retrieval-augmented LLM judge")
    .argument("[file]", 'idea file (the Title/Method/Experiment Plan layout, or free text); "-" reads stdin')
    .option("--text <idea>", "the idea as text instead of a file")
    .option("--paper <id>", "the paper the idea builds on: adds its most-cited recent references as related work")
    .option("--samples <n>", desc("samples"), intFlag("--samples"))
    .option("--top-k <n>", desc("topK"), intFlag("--top-k"))
    .option("--reference-k <n>", desc("referenceK"), intFlag("--reference-k"))
    .option("--max-attempts <n>", desc("maxAttempts"), intFlag("--max-attempts"))
    .option("--max-tokens <n>", desc("maxTokens"), intFlag("--max-tokens"))
    .option("--temperature <t>", desc("temperature"), floatFlag("--temperature"))
    .option("--seed <n>", desc("seed"), intFlag("--seed"))
    .option("--novelty-method <name>", `${desc("noveltyMethod")}: ${NOVELTY_METHODS.join(" | ")}`)
    .option("--novelty-top-k <n>", desc("noveltyTopK"), intFlag("--novelty-top-k"))
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
    const { config, log } = contextFor(self, {
      ...llmFlagValues(flags),
      "judge.samples": flags.samples,
      "judge.topK": flags.topK,
      "judge.referenceK": flags.referenceK,
      "judge.maxAttempts": flags.maxAttempts,
      "judge.maxTokens": flags.maxTokens,
      "judge.temperature": flags.temperature,
      "judge.seed": flags.seed,
      "judge.noveltyMethod": flags.noveltyMethod,
      "judge.noveltyTopK": flags.noveltyTopK,
    });
    const j = config.judge;
    const idea = readIdea(file, flags.text);
    const library = PaperStore.open(config.library.dbPath, { readonly: true, log });
    if (flags.paper !== undefined && library.get(flags.paper) === null) {
      library.close();
      throw new NotFoundError("paper", flags.paper, "find its id with: ideasteer library search <words>");
    }
    const needsBackend = flags.llm || j.noveltyMethod === "embedding";
    let backend: LlmBackend | undefined;
    try {
      backend = needsBackend
        ? await openBackend(config.llm.backend, { llm: config.llm, home: config.home, log })
        : undefined;
      const judgement = flags.llm
        ? await judgeIdea(
            { backend: backend as LlmBackend, library, log },
            { idea, sourcePaperId: flags.paper ?? null },
            j,
          )
        : null;
      const novelty = await retrievalNovelty({ library, backend }, idea, {
        topK: j.noveltyTopK,
        method: j.noveltyMethod as NoveltyMethod,
        excludeIds: flags.paper ? [flags.paper] : [],
      });
      if (flags.json) process.stdout.write(`${JSON.stringify({ judgement, retrievalNovelty: novelty }, null, 2)}\n`);
      else process.stdout.write(formatReport(judgement, novelty));
    } finally {
      await backend?.close();
      library.close();
    }
  });
};

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
