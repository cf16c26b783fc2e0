import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
} from "node:fs";
import { dirname } from "node:path";
import { ConfigError, CorruptFileError, type Logger, writeFileAtomic } from "../core/index.js";
import { DIMENSIONS, type Scores } from "../idea/index.js";

/** An --save-ideas file of many runs' ideas is still a few tens of MiB; past this it is not one. */
export const MAX_IDEAS_JOURNAL_BYTES = 256 * 1024 * 1024;

/**
 * One idea of `eval control`: which system wrote it, for which paper, at which grid point (its index and weights),
 * which of the point's ideas, under which run seed. `candidates`: a top-of-K system's K texts, on the line whose
 * grid point generated them (a weight-blind system generates at the first point and reuses them at the others).
 */
export type SavedIdea = {
  system: string;
  paper: number;
  paperId?: string;
  grid: number;
  weights: Scores;
  index: number;
  seed: number;
  text: string;
  candidates?: string[];
};

/**
 * The --save-ideas file as a journal, so a long `eval control` survives a kill: each idea is appended (and synced)
 * as soon as it exists, a rerun with the same file and flags reuses what is there, and the end rewrites the file
 * atomically in grid order. A last line cut short by a kill is dropped (its idea is generated again); any other bad
 * line stops the run with its line number. Lines of systems this run does not evaluate are kept as they were, and so
 * are its systems' ideas for papers or indices it does not cover.
 */
export class IdeasJournal {
  private readonly saved = new Map<string, SavedIdea>();
  private readonly kept: string[] = []; // other systems' lines, verbatim

  private constructor(
    readonly path: string,
    systems: Set<string>,
    lines: { row: SavedIdea; raw: string }[],
  ) {
    for (const { row, raw } of lines)
      if (systems.has(row.system)) this.saved.set(keyOf(row), row);
      else this.kept.push(raw);
  }

  /** Reads `path` if it exists (cutting off a torn last line); `systems`: the names this run evaluates. */
  static open(path: string, systems: string[], log: Logger): IdeasJournal {
    mkdirSync(dirname(path), { recursive: true }); // ideas are appended from the first one on
    if (!existsSync(path)) return new IdeasJournal(path, new Set(systems), []);
    const size = statSync(path).size;
    if (size > MAX_IDEAS_JOURNAL_BYTES)
      throw new ConfigError(
        `--save-ideas ${path} is ${(size / 2 ** 20).toFixed(0)} MiB, over ${MAX_IDEAS_JOURNAL_BYTES / 2 ** 20} MiB`,
        "pass a new file for this run",
      );
    const text = readFileSync(path, "utf8");
    const end = text.lastIndexOf("\n") + 1; // a kill mid-append leaves a last line without its newline
    if (end < text.length) {
      log.warn("dropping the last, unfinished line of the ideas file (a run killed while writing it)", { path });
      truncateSync(path, Buffer.byteLength(text.slice(0, end), "utf8"));
    }
    const lines = text
      .slice(0, end)
      .split("\n")
      .flatMap((raw, i) => (raw.trim() ? [{ row: parseSavedIdea(raw, path, i + 1), raw }] : []));
    return new IdeasJournal(path, new Set(systems), lines);
  }

  /** The idea saved for this system, paper (its id, or its index without one), grid point and index, if any. */
  find(system: string, paper: string | number, grid: number, index: number): SavedIdea | undefined {
    return this.saved.get(ideaKey(system, paper, grid, index));
  }

  /** The saved ideas of one system (to check they were made with this run's settings). */
  ideasOf(system: string): SavedIdea[] {
    return [...this.saved.values()].filter((s) => s.system === system);
  }

  /** Appends one idea and syncs it to disk before the run goes on. */
  append(idea: SavedIdea): void {
    this.saved.set(keyOf(idea), idea);
    const fd = openSync(this.path, "a");
    try {
      appendFileSync(fd, `${JSON.stringify(idea)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The whole file again, atomically: the other systems' lines as they were, this run's systems' ideas that it did not
   * read (other papers, shards or indices: a run over fewer papers keeps the rest), then this run's ideas in order.
   */
  finish(ideas: SavedIdea[]): void {
    const now = new Set(ideas.map(keyOf));
    const untouched = [...this.saved.values()].filter((x) => !now.has(keyOf(x)));
    const lines = [...this.kept, ...[...untouched, ...ideas].map((x) => JSON.stringify(x))];
    writeFileAtomic(this.path, lines.map((l) => `${l}\n`).join(""));
  }
}

const ideaKey = (system: string, paper: string | number, grid: number, index: number) =>
  JSON.stringify([system, paper, grid, index]);
/** A saved idea's key: its paper by id where it has one. */
const keyOf = (x: SavedIdea) => ideaKey(x.system, x.paperId ?? x.paper, x.grid, x.index);

function parseSavedIdea(raw: string, path: string, line: number): SavedIdea {
  let row: Partial<SavedIdea>;
  try {
    row = JSON.parse(raw);
  } catch {
    throw new CorruptFileError(path, `line ${line} is not JSON`, { hint: "pass a new --save-ideas file" });
  }
  const w = (row.weights ?? {}) as Record<string, unknown>;
  const ok =
    typeof row.system === "string" &&
    typeof row.paper === "number" &&
    (row.paperId === undefined || typeof row.paperId === "string") &&
    typeof row.text === "string" &&
    DIMENSIONS.every((d) => typeof w[d] === "number") &&
    (row.candidates === undefined ||
      (Array.isArray(row.candidates) && row.candidates.every((c) => typeof c === "string")));
  if (!ok)
    throw new CorruptFileError(path, `line ${line} is not an idea of eval control (system, paper, weights, text)`);
  if (typeof row.grid !== "number" || typeof row.index !== "number" || typeof row.seed !== "number")
    throw new CorruptFileError(
      path,
      `line ${line} has no grid, index or seed: written before eval control could resume`,
      {
        hint: "pass a new --save-ideas file",
      },
    );
  return row as SavedIdea;
}
