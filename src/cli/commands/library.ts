import type { Command } from "commander";
import { ConfigError, createProgress, InputError } from "../../core/index.js";
import {
  DenseIndex,
  type Highlight,
  INPUT_FORMATS,
  type IngestReport,
  type InputFormat,
  ingestFiles,
  type LibraryStats,
  type Paper,
  PaperStore,
  SEARCH_MODES,
  type SearchHit,
  type SearchMode,
  searchLibrary,
} from "../../library/index.js";
import { type CliContext, contextFor, intFlag } from "../context.js";
import { addProgressOption, type ProgressFlag } from "../progress-option.js";
import type { RegisterCommands } from "./index.js";

const BOLD: Highlight = { open: "\x1b[1m", close: "\x1b[22m" };
const PLAIN: Highlight = { open: "**", close: "**" };
// A bulk load this large leaves many FTS segments; merging them afterwards makes every later search faster.
const OPTIMIZE_AFTER_INSERTS = 5000;

type AddFlags = ProgressFlag & { strict?: boolean; format?: string; batchSize?: number; force?: boolean };
type ListFlags = { limit: number; offset?: number; json?: boolean };
type SearchFlags = ListFlags & { mode?: string };

export const registerLibraryCommands: RegisterCommands = (program: Command) => {
  const library = program.command("library").description("the paper library: add papers, search, show, similar, stats");

  const add = library
    .command("add")
    .description(
      "add papers from files, directories (recursively) or - (stdin); the same paper is updated, never duplicated",
    )
    .argument("<inputs...>", "files (.jsonl[.gz], .txt listing, .xml/.atom, .bib, .md, .pdf), directories, or -")
    .option("--strict", "stop at the first bad record (default: skip it, report counts, exit 1)")
    .option(
      "--format <fmt>",
      `read every input as this format: ${INPUT_FORMATS.join(" | ")} (default: by name, then content)`,
    )
    .option("--batch-size <n>", "papers per transaction (config library.batchSize)", intFlag("--batch-size"))
    .option("--force", "read files again even when an earlier run ingested them completely");
  addProgressOption(add)
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer library add ../shared/data/papers.jsonl.gz
  $ ideasteer library add ../shared/data/fulltext-sample/ papers.bib --strict
  $ curl -s 'http://export.arxiv.org/api/query?search_query=all:idea+generation' | ideasteer library add - --format atom
Re-running an interrupted add resumes after the last committed batch.`,
    )
    .action(async (inputs: string[], flags: AddFlags, cmd: Command) => {
      const format = inputFormat(flags.format);
      const ctx = contextFor(cmd, { "library.batchSize": flags.batchSize });
      const store = PaperStore.open(ctx.config.library.dbPath, { log: ctx.log });
      try {
        const report = await addPapers({ ...ctx, store, inputs, format, flags });
        process.stdout.write(renderReport(report, store.count()));
        if (report.skipped > 0 || report.failedFiles > 0 || report.emptyFiles > 0) process.exitCode = 1;
      } finally {
        store.close();
      }
    });

  library
    .command("search")
    .description("rank papers by BM25 over title, abstract, keywords and full text; snippets show the matched terms")
    .argument("<query>", "words to search for (no query syntax: quotes, AND/OR and * are plain text)")
    .option("--limit <n>", "how many results", intFlag("--limit"), 10)
    .option("--offset <n>", "skip this many results (paging)", intFlag("--offset"))
    .option("--json", "JSON output: [{id, title, score, snippet, venue, year}]")
    .option(
      "--mode <mode>",
      `${SEARCH_MODES.join(" | ")} (default: hybrid once \`library index\` has built the dense index, else bm25)`,
    )
    .addHelpText(
      "after",
      `
Scores: bm25 (higher is better), dense (cosine), hybrid (reciprocal-rank fusion of the two).
Examples:
  $ ideasteer library search "controllable reinforcement learning for research idea generation"
  $ ideasteer library search "gaussian splatting" --limit 5 --json
  $ ideasteer library search "robots that learn from people" --mode dense`,
    )
    .action((query: string, flags: SearchFlags, cmd: Command) => {
      withStore(cmd, (store) => {
        const json = flags.json ?? false;
        const dense = DenseIndex.exists(store.path) ? DenseIndex.open(store.path, { readonly: true }) : null;
        try {
          const mode = searchMode(flags.mode, dense !== null);
          const o = { limit: flags.limit, offset: flags.offset, highlight: highlightFor(json), mode };
          const hits = searchLibrary(store, dense, query, o);
          process.stdout.write(json ? `${JSON.stringify(hits, null, 2)}\n` : renderHits(hits, flags.offset ?? 0));
        } finally {
          dense?.close();
        }
      });
    });

  const index = library
    .command("index")
    .description("build the dense (LSA) index for hybrid search: incremental (new and changed papers only), resumable")
    .option("--refit", "fit a new model on the library and embed every paper again")
    .option("--status", "only say how far the index is");
  addProgressOption(index)
    .addHelpText(
      "after",
      `
The first build fits the model on a seeded sample of up to 20,000 papers, then embeds every paper; later builds
embed only papers added or changed since. Ctrl-C (or a kill) keeps every finished batch: run it again to go on.
Examples:
  $ ideasteer library index
  $ ideasteer library index --status`,
    )
    .action(async (flags: ProgressFlag & { refit?: boolean; status?: boolean }, cmd: Command) => {
      const { config } = contextFor(cmd);
      PaperStore.open(config.library.dbPath).close(); // creates or migrates the library the index lives in
      const dense = DenseIndex.open(config.library.dbPath);
      try {
        if (!flags.status) await buildIndex(dense, flags);
        const s = dense.status();
        const model = s.model
          ? `model ${s.model.id} (${s.model.dim} dims, fitted on ${s.model.fittedOn} papers)`
          : "no model";
        process.stdout.write(`${s.indexed} of ${s.papers} papers indexed, ${s.pending} pending; ${model}\n`);
      } finally {
        dense.close();
      }
    });

  library
    .command("show")
    .description("one paper: metadata, abstract, sections and references")
    .argument("<id>", "paper id (or any of its duplicate ids)")
    .option("--json", "the whole Paper as JSON")
    .addHelpText("after", "\nExample:\n  $ ideasteer library show neurips2023/009LK0vLcY")
    .action((id: string, flags: { json?: boolean }, cmd: Command) => {
      withStore(cmd, (store) => {
        const paper = store.get(id);
        if (!paper)
          throw new InputError({ file: "library" }, `no paper with id ${id}`, {
            hint: "find ids with: ideasteer library search <words>",
          });
        process.stdout.write(flags.json ? `${JSON.stringify(paper, null, 2)}\n` : renderPaper(paper));
      });
    });

  library
    .command("similar")
    .description("papers like this one (BM25 over its own title and abstract)")
    .argument("<id>", "paper id")
    .option("--limit <n>", "how many results", intFlag("--limit"), 10)
    .option("--json", "JSON output")
    .addHelpText("after", "\nExample:\n  $ ideasteer library similar neurips2023/009LK0vLcY --limit 5")
    .action((id: string, flags: ListFlags, cmd: Command) => {
      withStore(cmd, (store) => {
        const json = flags.json ?? false;
        const hits = store.similar(id, { limit: flags.limit, highlight: highlightFor(json) });
        process.stdout.write(json ? `${JSON.stringify(hits, null, 2)}\n` : renderHits(hits, 0));
      });
    });

  library
    .command("stats")
    .description("what the library holds: papers by source, venue and year; database size")
    .option("--json", "JSON output")
    .addHelpText("after", "\nExample:\n  $ ideasteer --home ./lab library stats --json")
    .action((flags: { json?: boolean }, cmd: Command) => {
      withStore(cmd, (store) => {
        const stats = store.stats();
        process.stdout.write(flags.json ? `${JSON.stringify(stats, null, 2)}\n` : renderStats(stats));
      });
    });
};

/** --format checked against the formats the library reads; undefined: detect each input's own. */
function inputFormat(given: string | undefined): InputFormat | undefined {
  if (given === undefined) return undefined;
  if (!(INPUT_FORMATS as readonly string[]).includes(given)) {
    throw new InputError({ file: "--format" }, `unknown format "${given}"; use one of ${INPUT_FORMATS.join(", ")}`);
  }
  return given as InputFormat;
}

/** Ingests `inputs` into `store` with the library config's limits, then compacts the index after a bulk load. */
async function addPapers(
  opts: CliContext & { store: PaperStore; inputs: string[]; format: InputFormat | undefined; flags: AddFlags },
): Promise<IngestReport> {
  const { config, flags, store } = opts;
  const report = await ingestFiles({
    store,
    inputs: opts.inputs,
    strict: flags.strict ?? false,
    format: opts.format,
    batchSize: config.library.batchSize,
    maxLineBytes: config.library.maxLineBytes,
    fieldLimits: config.library, // maxTitleChars, maxAbstractChars, maxSectionChars, oversize
    maxFileBytes: config.library.maxFileBytes,
    followLinks: config.library.followLinks,
    force: flags.force ?? false,
    progress: flags.progress, // a live bar on a TTY, a line every few seconds otherwise
    log: opts.log,
  });
  if (report.inserted >= OPTIMIZE_AFTER_INSERTS) store.optimize();
  return report;
}

/** Embeds what is pending with a progress line; the first SIGINT/SIGTERM stops after the batch in flight. */
async function buildIndex(dense: DenseIndex, flags: ProgressFlag & { refit?: boolean }): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const progress = createProgress({ label: "index", unit: "papers", enabled: flags.progress });
  try {
    const r = await dense.build({
      refit: flags.refit,
      signal: stop.signal,
      onProgress: (done, total) => {
        progress.setTotal(total);
        progress.set(done);
      },
    });
    progress.done();
    if (stop.signal.aborted) process.stdout.write("stopped: run `ideasteer library index` again to go on\n");
    else process.stdout.write(`embedded ${r.embedded} papers${r.fitted ? " (new model)" : ""}\n`);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The mode asked, or the best one available; dense and hybrid need the index. */
function searchMode(given: string | undefined, indexed: boolean): SearchMode {
  if (given === undefined) return indexed ? "hybrid" : "bm25";
  if (!(SEARCH_MODES as readonly string[]).includes(given))
    throw new ConfigError(`unknown --mode "${given}"`, `use one of ${SEARCH_MODES.join(", ")}`);
  if (given !== "bm25" && !indexed)
    throw new ConfigError(`--mode ${given} needs the dense index`, "build it with: ideasteer library index");
  return given as SearchMode;
}

function withStore(cmd: Command, fn: (store: PaperStore) => void): void {
  const { config, log } = contextFor(cmd);
  const store = PaperStore.open(config.library.dbPath, { readonly: true, log });
  try {
    fn(store);
  } finally {
    store.close();
  }
}

const highlightFor = (json: boolean): Highlight => (!json && process.stdout.isTTY ? BOLD : PLAIN);

function renderHits(hits: SearchHit[], offset: number): string {
  if (hits.length === 0) return "no papers found\n";
  return hits
    .map((h, i) => {
      const where = [h.venue, h.year].filter((x) => x !== null).join(" ");
      return `${offset + i + 1}. ${h.title}${where ? ` (${where})` : ""}\n   ${h.id}  score ${h.score.toFixed(2)}\n   ${h.snippet}\n`;
    })
    .join("\n");
}

function renderPaper(p: Paper): string {
  const lines = [p.title, ""];
  const meta: [string, string | null][] = [
    ["id", p.id],
    ["venue", [p.venue, p.year].filter((x) => x !== null).join(" ") || null],
    ["authors", p.authors.join(", ") || null],
    ["keywords", p.keywords.join(", ") || null],
    ["citations", p.citations === null ? null : String(p.citations)],
    ["url", p.url],
    ["source", p.source],
    ["other ids", p.dupIds.join(", ") || null],
  ];
  for (const [k, v] of meta) if (v) lines.push(`${k.padEnd(10)} ${v}`);
  if (p.abstract) lines.push("", "Abstract", p.abstract);
  for (const [name, text] of Object.entries(p.sections)) if (text) lines.push("", name, excerpt(text, 600));
  if (p.references.length > 0) {
    lines.push("", `References (${p.references.length}; most cited in the text first)`);
    const top = [...p.references].sort((a, b) => b.inTextCount - a.inTextCount).slice(0, 10);
    for (const r of top) lines.push(`  [${r.inTextCount}x] ${excerpt(r.text, 160)}`);
  }
  return `${lines.join("\n")}\n`;
}

const excerpt = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n)}…`);

function renderReport(r: IngestReport, total: number): string {
  const lines: string[] = [];
  for (const f of r.files) {
    const status = f.alreadyDone
      ? "already ingested (use --force to read again)"
      : `${f.inserted} new, ${f.updated - f.unchanged} updated, ${f.unchanged} unchanged` +
        (f.resumedFrom > 0 ? `, resumed after record ${f.resumedFrom}` : "");
    const truncated = f.truncated > 0 ? `, ${f.truncated} cut to the library's field limits` : "";
    lines.push(
      `${f.file} [${f.format ?? "?"}]: ${status}${f.skipped > 0 ? `, ${f.skipped} bad records skipped` : ""}${truncated}`,
    );
    if (f.error) lines.push(`  ${f.format === null ? "not read" : "stopped early"}: ${f.error}`);
    if (f.warning) lines.push(`  warning: ${f.warning}`);
  }
  lines.push(
    `total: ${r.inserted} new, ${r.updated - r.unchanged} updated, ${r.unchanged} unchanged, ${r.skipped} skipped` +
      `${r.failedFiles > 0 ? `, ${r.failedFiles} files stopped early or not read` : ""}` +
      `${r.emptyFiles > 0 ? `, ${r.emptyFiles} inputs without papers` : ""} in ${(r.elapsedMs / 1000).toFixed(1)} s; library holds ${total} papers`,
  );
  return `${lines.join("\n")}\n`;
}

function renderStats(s: LibraryStats): string {
  const top = (xs: { label: string; count: number }[]) =>
    xs.map((x) => `  ${x.label.padEnd(12)} ${x.count}`).join("\n");
  return [
    `library   ${s.path} (schema v${s.schemaVersion}, ${(s.dbBytes / 1e6).toFixed(1)} MB)`,
    `papers    ${s.papers} (${s.withAbstract} with abstract, ${s.withFullText} with full text)`,
    `files     ${s.ingestedFiles} ingested completely`,
    "by source",
    top(Object.entries(s.bySource).map(([label, count]) => ({ label, count }))),
    "by venue (top 15)",
    top(s.byVenue.slice(0, 15).map((v) => ({ label: v.venue ?? "(none)", count: v.count }))),
    "by year",
    top(s.byYear.map((y) => ({ label: y.year === null ? "(none)" : String(y.year), count: y.count }))),
    "",
  ].join("\n");
}
