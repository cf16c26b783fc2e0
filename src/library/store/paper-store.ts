import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { CorruptFileError, IdeasteerError, type Logger, NotFoundError, silentLogger } from "../../core/index.js";
import { normalizeTitle } from "../normalize-title.js";
import { newPaper, type Paper } from "../paper.js";
import { migrate, SCHEMA_VERSION } from "./migrations.js";
import { fromRow, mergePapers, type PaperColumns, type PaperRow, titleKey, toColumns } from "./paper-row.js";
import { type RankedTerm, rankTerms, searchPlan, similarPlan, stripFieldLabels } from "./query-plan.js";
import { andQuery, quoteTerm, termCounts } from "./query-terms.js";

/** One search result; `score` is BM25 negated, so higher is better. Snippet marks matches with `highlight`. */
export type SearchHit = {
  id: string;
  title: string;
  score: number;
  snippet: string;
  venue: string | null;
  year: number | null;
};

export type LibraryStats = {
  path: string;
  schemaVersion: number;
  papers: number;
  withAbstract: number;
  withFullText: number;
  bySource: Record<string, number>;
  byVenue: { venue: string | null; count: number }[]; // most papers first
  byYear: { year: number | null; count: number }[]; // oldest first
  dbBytes: number; // database file plus its WAL
  ingestedFiles: number;
};

/** How far one input file has been committed; saved in the same transaction as its batch. */
export type IngestCheckpoint = {
  fileKey: string; // path + size + mtime: another file (or the same path changed) starts over
  path: string;
  recordsDone: number;
  skipped: number;
  completed: boolean;
};

export type UpsertResult = { inserted: number; updated: number; unchanged: number };
export type Highlight = { open: string; close: string };
export type SearchOptions = { limit?: number; offset?: number; highlight?: Highlight };

const DEFAULT_HIGHLIGHT: Highlight = { open: "**", close: "**" };
const SNIPPET_TOKENS = 24;
/**
 * FTS5's snippet() costs roughly the square of its column's length (bench/search.ts); an abstract
 * longer than this (a library filled before ingest capped fields, or with raised caps) shows its
 * first SNIPPET_HEAD_CHARS characters instead, so no single record can stall a search.
 */
export const SNIPPET_MAX_CHARS = 10_000;
export const SNIPPET_HEAD_CHARS = 200;
// similar() and similarToText() read at most this much of a text: its informative terms show up early,
// and every distinct term costs one document-frequency query.
export const SIMILAR_MAX_CHARS = 20_000;
/**
 * The paper library: one SQLite file (WAL) holding papers, the ids they are known by, an FTS5
 * index (BM25 over title, abstract, keywords and full-text sections), and ingest checkpoints.
 * Open with `PaperStore.open`, and `close()` when done.
 */
export class PaperStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly log: Logger;
  private readonly readonly: boolean;
  // Document frequency per term, for choosing the informative terms of OR queries. Cleared on every write.
  private readonly dfCache = new Map<string, number>();
  private totalDocs = -1;
  private readonly stmts: ReturnType<PaperStore["prepare"]>;

  private constructor(path: string, db: Database.Database, log: Logger, readonly: boolean) {
    this.path = path;
    this.db = db;
    this.log = log;
    this.readonly = readonly;
    this.stmts = this.prepare();
  }

  /**
   * Whether `path` holds a library (its schema was ever created): the file may also hold only other tables (the idea
   * history writes into the same file), which is no library to read yet.
   */
  static exists(path: string): boolean {
    if (!existsSync(path)) return false;
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return (db.pragma("user_version", { simple: true }) as number) > 0;
    } finally {
      db.close();
    }
  }

  static open(path: string, opts: { readonly?: boolean; log?: Logger } = {}): PaperStore {
    const log = opts.log ?? silentLogger;
    const readonly = opts.readonly ?? false;
    if (readonly && !existsSync(path)) {
      throw new NotFoundError("library", path, "add papers first: ideasteer library add <file>");
    }
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path, { readonly, fileMustExist: readonly });
    } catch (e) {
      throw new IdeasteerError("E_STORE", `cannot open library ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      if (!readonly) {
        db.pragma("journal_mode = WAL");
        // WAL + NORMAL: a crash (kill -9, power loss) keeps the database consistent; at worst the last commits are lost.
        db.pragma("synchronous = NORMAL");
      }
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 10000");
      db.pragma("cache_size = -65536"); // 64 MiB page cache
      db.pragma("mmap_size = 1073741824"); // reads through mmap: the FTS index is read far more than written
      db.pragma("temp_store = MEMORY");
      const version = readonly ? (db.pragma("user_version", { simple: true }) as number) : migrate(db, path);
      if (version !== SCHEMA_VERSION) {
        throw new CorruptFileError(path, `library schema version ${version}, expected ${SCHEMA_VERSION}`, {
          hint: "run any writing library command (e.g. library add) once to migrate it",
        });
      }
    } catch (e) {
      db.close();
      if (e instanceof IdeasteerError) throw e;
      throw new CorruptFileError(path, `not a usable library database: ${(e as Error).message}`, { cause: e });
    }
    log.debug("library opened", { path, readonly });
    return new PaperStore(path, db, log, readonly);
  }

  private prepare() {
    const db = this.db;
    const cols = Object.keys(toColumns(placeholderPaper)) as (keyof PaperColumns)[];
    return {
      byAlias: db.prepare<[string], PaperRow>(
        "SELECT p.* FROM paper_ids a JOIN papers p ON p.pk = a.pk WHERE a.alias = ?",
      ),
      byTitle: db.prepare<[string], PaperRow>("SELECT * FROM papers WHERE title_norm = ?"),
      insert: this.readonly
        ? null
        : db.prepare(
            `INSERT INTO papers (${cols.join(", ")}, updated_at) VALUES (${cols.map((c) => `@${c}`).join(", ")}, @updated_at)`,
          ),
      update: this.readonly
        ? null
        : db.prepare(
            `UPDATE papers SET ${cols.map((c) => `${c} = @${c}`).join(", ")}, updated_at = @updated_at WHERE pk = @pk`,
          ),
      deleteRow: this.readonly ? null : db.prepare("DELETE FROM papers WHERE pk = ?"),
      addAlias: this.readonly ? null : db.prepare("INSERT OR IGNORE INTO paper_ids (alias, pk) VALUES (?, ?)"),
      saveCheckpoint: this.readonly
        ? null
        : db.prepare(
            `INSERT INTO ingest_progress (file_key, path, records_done, skipped, completed, updated_at)
             VALUES (@fileKey, @path, @recordsDone, @skipped, @completed, @updatedAt)
             ON CONFLICT(file_key) DO UPDATE SET path = excluded.path, records_done = excluded.records_done,
               skipped = excluded.skipped, completed = excluded.completed, updated_at = excluded.updated_at`,
          ),
      checkpoint: db.prepare<[string], { path: string; records_done: number; skipped: number; completed: number }>(
        "SELECT path, records_done, skipped, completed FROM ingest_progress WHERE file_key = ?",
      ),
      count: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM papers"),
      df: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM papers_fts WHERE papers_fts MATCH ?"),
      pkOf: db.prepare<[string], { pk: number }>("SELECT pk FROM paper_ids WHERE alias = ?"),
      pkByTitle: db.prepare<[string], { pk: number }>("SELECT pk FROM papers WHERE title_norm = ?"),
      plainRow: db.prepare<[number], QueryRow>(
        "SELECT pk, id, title, venue, year, 0 AS rank, substr(abstract, 1, 200) AS snippet FROM papers WHERE pk = ?",
      ),
      search: db.prepare<[string, string, string, number], QueryRow>(
        `SELECT p.pk, p.id, p.title, p.venue, p.year, f.rank,
           CASE WHEN length(p.abstract) <= ${SNIPPET_MAX_CHARS}
             THEN snippet(papers_fts, 1, ?, ?, '…', ${SNIPPET_TOKENS})
             ELSE substr(p.abstract, 1, ${SNIPPET_HEAD_CHARS}) || '…' END AS snippet
         FROM papers_fts f JOIN papers p ON p.pk = f.rowid
         WHERE papers_fts MATCH ? ORDER BY f.rank LIMIT ?`,
      ),
    };
  }

  private writable<T>(s: T | null): T {
    if (s === null) throw new IdeasteerError("E_STORE", `library ${this.path} is open read-only`);
    return s;
  }

  /**
   * Inserts or updates papers in one transaction. The same work (same id or dupId, or the same
   * normalised title) updates its row, never adds one; a different id for it is kept in dupIds.
   * `checkpoint`, when given, is saved in the same transaction (ingest resume).
   */
  upsert(papers: Paper[], opts: { checkpoint?: IngestCheckpoint } = {}): UpsertResult {
    const s = this.stmts;
    const [insert, update, deleteRow, addAlias] = [s.insert, s.update, s.deleteRow, s.addAlias].map((x) =>
      this.writable(x),
    ) as [Database.Statement, Database.Statement, Database.Statement, Database.Statement];
    const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
    const now = Date.now();
    this.db.transaction(() => {
      for (const incoming of papers) {
        const byId = s.byAlias.get(incoming.id);
        const byTitle = s.byTitle.get(titleKey(incoming));
        if (!byId && !byTitle) {
          const pk = Number(insert.run({ ...toColumns(incoming), updated_at: now }).lastInsertRowid);
          addAlias.run(incoming.id, pk);
          for (const d of incoming.dupIds) addAlias.run(d, pk);
          result.inserted++;
          continue;
        }
        const target = (byId ?? byTitle) as PaperRow;
        let absorbed: string[] = [];
        if (byId && byTitle && byTitle.pk !== byId.pk) {
          // The paper's new title is another row's: both rows are one work. Fold that row into this one.
          absorbed = [byTitle.id, ...(JSON.parse(byTitle.dup_ids) as string[])];
          deleteRow.run(byTitle.pk);
        }
        const merged = mergePapers(fromRow(target), incoming, absorbed);
        const cols = toColumns(merged);
        if (absorbed.length === 0 && sameColumns(cols, target)) {
          result.unchanged++;
        } else {
          update.run({ ...cols, updated_at: now, pk: target.pk });
        }
        // OR IGNORE: an id that already names another paper keeps naming that paper.
        for (const d of merged.dupIds) addAlias.run(d, target.pk);
        result.updated++;
      }
      if (opts.checkpoint) this.writeCheckpoint(opts.checkpoint);
    })();
    this.dfCache.clear();
    this.totalDocs = -1;
    return result;
  }

  private writeCheckpoint(c: IngestCheckpoint): void {
    this.writable(this.stmts.saveCheckpoint).run({ ...c, completed: c.completed ? 1 : 0, updatedAt: Date.now() });
  }

  /** Saves a checkpoint on its own (a file that ends with bad records, or an empty file). */
  saveIngestCheckpoint(c: IngestCheckpoint): void {
    this.writeCheckpoint(c);
  }

  getIngestCheckpoint(fileKey: string): IngestCheckpoint | null {
    const r = this.stmts.checkpoint.get(fileKey);
    if (!r) return null;
    return { fileKey, path: r.path, recordsDone: r.records_done, skipped: r.skipped, completed: r.completed === 1 };
  }

  /** The paper known by `id` (its own id or one of its dupIds), or null. */
  get(id: string): Paper | null {
    const row = this.stmts.byAlias.get(id);
    return row ? fromRow(row) : null;
  }

  count(): number {
    return this.stmts.count.get()?.n ?? 0;
  }

  /**
   * BM25 search for user text: the stages of `searchPlan` (query-plan.ts) run in order until
   * `offset + limit` papers are found; earlier stages' hits come first, each with the BM25 score of
   * the query that found it. A query that is exactly a paper's title (normalised) puts that paper first.
   */
  search(query: string, opts: SearchOptions = {}): SearchHit[] {
    const limit = opts.limit ?? 10;
    const offset = opts.offset ?? 0;
    const counts = termCounts(query);
    // Each distinct term counts once: a title query should not weigh a repeated word twice.
    for (const t of counts.keys()) counts.set(t, 1);
    const plan = searchPlan(this.rankTerms(counts));
    if (plan.length === 0 || limit <= 0) return [];
    const hl = opts.highlight ?? DEFAULT_HIGHLIGHT;
    const need = limit + offset;
    const hits: QueryRow[] = [];
    const seen = new Set<number>();
    for (const match of plan) {
      if (hits.length >= need) break;
      for (const r of this.runQuery(match, need, hl)) {
        if (seen.has(r.pk) || hits.length >= need) continue;
        seen.add(r.pk);
        hits.push(r);
      }
    }
    const exact = this.stmts.pkByTitle.get(normalizeTitle(query));
    if (exact) {
      // The paper whose title the query is goes first, with the best score of the list.
      const at = hits.findIndex((h) => h.pk === exact.pk);
      const row = at >= 0 ? hits.splice(at, 1)[0] : this.stmts.plainRow.get(exact.pk);
      if (row) hits.unshift({ ...row, rank: Math.min(row.rank, ...hits.map((h) => h.rank)) });
    }
    return hits.slice(offset, need).map(publicHit);
  }

  /** Papers like the one with `id`: BM25 over its own title and abstract, itself excluded. */
  similar(id: string, opts: { limit?: number; highlight?: Highlight } = {}): SearchHit[] {
    const paper = this.get(id);
    if (!paper) throw new NotFoundError("paper", id, "list ids with: ideasteer library search <words>");
    // The title counts twice: it says what the paper is about more densely than the abstract.
    const text = `${paper.title}\n${paper.title}\n${paper.abstract.slice(0, SIMILAR_MAX_CHARS)}`;
    return this.similarToText(text, { ...opts, excludeIds: [paper.id] });
  }

  /**
   * Papers most like a long free text (an idea, an abstract): its most informative terms by
   * tf·idf, OR-ed, ranked by BM25. `excludeIds` (any id or dupId) are left out.
   */
  similarToText(
    text: string,
    opts: { limit?: number; excludeIds?: string[]; highlight?: Highlight } = {},
  ): SearchHit[] {
    const limit = opts.limit ?? 10;
    const match = similarPlan(this.rankTerms(termCounts(stripFieldLabels(text.slice(0, SIMILAR_MAX_CHARS)))));
    if (match === null || limit <= 0) return [];
    const excluded = new Set<number>();
    for (const id of opts.excludeIds ?? []) {
      const r = this.stmts.pkOf.get(id);
      if (r) excluded.add(r.pk);
    }
    const rows = this.runQuery(match, limit + excluded.size, opts.highlight ?? DEFAULT_HIGHLIGHT);
    return rows
      .filter((r) => !excluded.has(r.pk))
      .slice(0, limit)
      .map(publicHit);
  }

  /** The newest paper's row number: rows are numbered in insertion order, so "added since" is a row range. */
  latestPk(): number {
    return (this.db.prepare("SELECT max(pk) AS pk FROM papers").get() as { pk: number | null }).pk ?? 0;
  }

  /**
   * Papers added in the row range (afterPk, upToPk] that hold every term of `query`, best BM25 first, at most
   * `limit`, and how many matched in all (what a digest of new papers needs).
   */
  matchAllAdded(
    query: string,
    o: { afterPk: number; upToPk: number; limit: number },
  ): { hits: { pk: number; id: string; score: number }[]; matched: number } {
    const terms = [...termCounts(query).keys()];
    if (terms.length === 0 || o.upToPk <= o.afterPk) return { hits: [], matched: 0 };
    const match = andQuery(terms); // quoted terms: the query cannot inject FTS5 syntax
    const rows = this.db
      .prepare<[string, number, number, number], { pk: number; id: string; rank: number }>(
        `SELECT f.rowid AS pk, p.id AS id, f.rank AS rank FROM papers_fts f JOIN papers p ON p.pk = f.rowid
         WHERE papers_fts MATCH ? AND f.rowid > ? AND f.rowid <= ? ORDER BY f.rank LIMIT ?`,
      )
      .all(match, o.afterPk, o.upToPk, o.limit);
    const matched =
      this.db
        .prepare<[string, number, number], { n: number }>(
          "SELECT count(*) AS n FROM papers_fts WHERE papers_fts MATCH ? AND rowid > ? AND rowid <= ?",
        )
        .get(match, o.afterPk, o.upToPk)?.n ?? 0;
    return { hits: rows.map((r) => ({ pk: r.pk, id: r.id, score: -r.rank })), matched };
  }

  /** Search hits for rows found elsewhere (the dense index): the abstract's head as the snippet, `scores` as given. */
  hitsByPk(found: readonly { pk: number; score: number }[]): SearchHit[] {
    return found.flatMap(({ pk, score }) => {
      const r = this.stmts.plainRow.get(pk);
      return r ? [{ ...publicHit(r), score }] : [];
    });
  }

  private runQuery(match: string, limit: number, hl: Highlight) {
    return this.stmts.search.all(hl.open, hl.close, match, limit);
  }

  private rankTerms(counts: Map<string, number>): RankedTerm[] {
    if (this.totalDocs < 0) this.totalDocs = this.count();
    return rankTerms(counts, (t) => this.docFreq(t), this.totalDocs);
  }

  private docFreq(term: string): number {
    let df = this.dfCache.get(term);
    if (df === undefined) {
      df = this.stmts.df.get(quoteTerm(term))?.n ?? 0;
      this.dfCache.set(term, df);
    }
    return df;
  }

  stats(): LibraryStats {
    const db = this.db;
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const bySource: Record<string, number> = {};
    for (const r of db.prepare("SELECT source, count(*) AS n FROM papers GROUP BY source ORDER BY n DESC").all() as {
      source: string;
      n: number;
    }[])
      bySource[r.source] = r.n;
    const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
    return {
      path: this.path,
      schemaVersion: db.pragma("user_version", { simple: true }) as number,
      papers: this.count(),
      withAbstract: one("SELECT count(*) AS n FROM papers WHERE abstract != ''"),
      withFullText: one("SELECT count(*) AS n FROM papers WHERE body_text != ''"),
      bySource,
      byVenue: db
        .prepare("SELECT venue, count(*) AS count FROM papers GROUP BY venue ORDER BY count DESC, venue")
        .all() as {
        venue: string | null;
        count: number;
      }[],
      byYear: db.prepare("SELECT year, count(*) AS count FROM papers GROUP BY year ORDER BY year").all() as {
        year: number | null;
        count: number;
      }[],
      dbBytes: size(this.path) + size(`${this.path}-wal`),
      ingestedFiles: one("SELECT count(*) AS n FROM ingest_progress WHERE completed = 1"),
    };
  }

  /** After a bulk load: merge the FTS segments (faster queries) and fold the WAL back into the file. */
  optimize(): void {
    this.writable(this.stmts.insert);
    const t0 = performance.now();
    this.db.exec("INSERT INTO papers_fts(papers_fts) VALUES('optimize')");
    this.db.pragma("optimize");
    this.db.pragma("wal_checkpoint(TRUNCATE)");
    this.log.debug("library optimized", { ms: Math.round(performance.now() - t0) });
  }

  /** Runs a read-only SQL check (tests, `library stats --check`): "ok" or the problems found. */
  integrityCheck(): string {
    return (this.db.pragma("integrity_check") as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join("; ");
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const placeholderPaper: Paper = newPaper({ id: "", title: "", source: "jsonl" });

type QueryRow = Omit<SearchHit, "score"> & { rank: number; pk: number };
function sameColumns(cols: PaperColumns, row: PaperRow): boolean {
  for (const k of Object.keys(cols) as (keyof PaperColumns)[]) if (cols[k] !== row[k]) return false;
  return true;
}

const publicHit = (r: QueryRow): SearchHit => ({
  id: r.id,
  title: r.title,
  score: -r.rank,
  snippet: r.snippet || "",
  venue: r.venue,
  year: r.year,
});
