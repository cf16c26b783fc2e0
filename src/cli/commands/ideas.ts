import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { ConfigError } from "../../core/index.js";
import { DIMENSIONS } from "../../idea/index.js";
import { EXPORT_FORMATS, type ExportFormat, exportIdeas, IdeaStore, type SavedIdea } from "../../ideas/index.js";
import { PaperStore } from "../../library/index.js";
import { contextFor, intFlag } from "../context.js";
import type { RegisterCommands } from "./index.js";

/** The idea history (<home>/library.sqlite): runs `fn` with the store open and closes it. */
function withIdeas<T>(cmd: Command, fn: (store: IdeaStore) => T): T {
  const store = IdeaStore.open(contextFor(cmd).config.library.dbPath);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

const idOf = (name: string) => intFlag(name);

export const registerIdeasCommands: RegisterCommands = (program: Command) => {
  const ideas = program.command("ideas").description("the idea history: what `generate` saved, your ratings, export");
  ideas
    .command("list")
    .description("saved ideas, newest first")
    .option("--paper <id>", "only ideas for this paper")
    .option("--limit <n>", "how many", intFlag("--limit"), 20)
    .option("--json", "one JSON object per line")
    .action((flags: { paper?: string; limit: number; json?: boolean }, cmd: Command) =>
      withIdeas(cmd, (store) => {
        for (const s of store.list({ paperId: flags.paper, limit: flags.limit }))
          process.stdout.write(flags.json ? `${JSON.stringify(s)}\n` : `${line(s)}\n`);
      }),
    );
  ideas
    .command("show")
    .description("one saved idea with its scores and provenance")
    .argument("<id>", "idea id (ideas list)", idOf("<id>"))
    .option("--json", "the whole record as JSON")
    .action((id: number, flags: { json?: boolean }, cmd: Command) =>
      withIdeas(cmd, (store) => {
        const s = store.get(id);
        process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : exportIdeas([s], "md"));
      }),
    );
  ideas
    .command("rate")
    .description("rate an idea 1-5, or prefer it over another (--over): kept as data for the reward models")
    .argument("<id>", "idea id", idOf("<id>"))
    .argument("[score]", "1 (poor) to 5 (excellent)", idOf("[score]"))
    .option("--over <other-id>", "prefer <id> over this idea instead of scoring it", intFlag("--over"))
    .action((id: number, score: number | undefined, flags: { over?: number }, cmd: Command) =>
      withIdeas(cmd, (store) => {
        if ((score === undefined) === (flags.over === undefined))
          throw new ConfigError(
            "give a score (1-5) or --over <other-id>",
            "e.g. ideasteer ideas rate 12 4, or ideas rate 12 --over 9",
          );
        if (flags.over !== undefined) store.prefer(id, flags.over);
        else store.rate(id, score as number);
        process.stdout.write("saved\n");
      }),
    );
  ideas
    .command("export")
    .description("saved ideas as Markdown or JSON, or their related work as BibTeX (--format bib)")
    .option("--format <format>", EXPORT_FORMATS.join(" | "), "md")
    .option("--paper <id>", "only ideas for this paper")
    .option("--limit <n>", "how many, newest first", intFlag("--limit"), 1000)
    .option("--out <file>", "write here instead of stdout")
    .action((flags: { format: string; paper?: string; limit: number; out?: string }, cmd: Command) =>
      withIdeas(cmd, (store) => {
        if (!EXPORT_FORMATS.includes(flags.format as ExportFormat))
          throw new ConfigError(`unknown --format ${flags.format}`, `use ${EXPORT_FORMATS.join(" or ")}`);
        const dbPath = contextFor(cmd).config.library.dbPath;
        const library = PaperStore.exists(dbPath) ? PaperStore.open(dbPath, { readonly: true }) : null;
        try {
          const text = exportIdeas(
            store.list({ paperId: flags.paper, limit: flags.limit }),
            flags.format as ExportFormat,
            (id) => library?.get(id) ?? null,
          );
          if (flags.out) writeFileSync(flags.out, text);
          else process.stdout.write(text);
        } finally {
          library?.close();
        }
      }),
    );
};

function line(s: SavedIdea): string {
  const scores = s.scores ? DIMENSIONS.map((d) => (s.scores?.[d] ?? 0).toFixed(2)).join("/") : "-";
  return `${String(s.id).padStart(5)}  ${s.createdAt.slice(0, 16)}  n/f/e ${scores}${s.rating ? `  rated ${s.rating}` : ""}  ${s.idea.title}  <- ${s.paper.title.slice(0, 60)}`;
}
