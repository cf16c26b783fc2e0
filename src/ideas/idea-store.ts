import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { CorruptFileError, IdeasteerError, NotFoundError } from "../core/index.js";
import type { Idea, Scores } from "../idea/index.js";
import type { RelatedWork } from "./generate-ideas.js";

/** A generated idea with where it came from: what `generate` saves and `ideas list|show|export` read. */
export type SavedIdea = {
  id: number;
  createdAt: string; // ISO time
  run: string; // one generate call
  paper: { id: string | null; title: string; abstract: string };
  text: string;
  idea: Idea;
  scores: Scores | null;
  weights: Scores;
  backend: string;
  models: Record<string, string>;
  seed: number;
  related: RelatedWork[];
  rating: number | null; // the latest 1-5 score
};

export type NewIdea = Omit<SavedIdea, "id" | "createdAt" | "rating">;

/**
 * The idea history's tables, in the library's SQLite file but versioned on their own (`ideas_meta.schema`):
 * `library/` knows nothing of them. Each migration runs in one transaction with its version bump.
 */
const MIGRATIONS: { version: number; up: string }[] = [
  {
    version: 1,
    up: `
      CREATE TABLE ideas (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        run TEXT NOT NULL,
        paper_id TEXT,
        paper_title TEXT NOT NULL,
        paper_abstract TEXT NOT NULL,
        text TEXT NOT NULL,
        idea TEXT NOT NULL,        -- JSON Idea
        scores TEXT,               -- JSON Scores or NULL
        weights TEXT NOT NULL,     -- JSON Scores
        backend TEXT NOT NULL,
        models TEXT NOT NULL,      -- JSON { name: hash }
        seed INTEGER NOT NULL,
        related TEXT NOT NULL      -- JSON RelatedWork[]
      );
      CREATE INDEX ideas_paper ON ideas(paper_id);
      -- A rating is a 1-5 score of one idea, or a preference for it over another: data for the reward models.
      CREATE TABLE idea_ratings (
        id INTEGER PRIMARY KEY,
        idea_id INTEGER NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
        score INTEGER CHECK (score BETWEEN 1 AND 5),
        over_id INTEGER REFERENCES ideas(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        CHECK ((score IS NULL) <> (over_id IS NULL)),
        CHECK (over_id IS NULL OR over_id <> idea_id)
      );
      CREATE INDEX idea_ratings_idea ON idea_ratings(idea_id);`,
  },
];
export const IDEAS_SCHEMA_VERSION = MIGRATIONS.length;

type Row = {
  id: number;
  created_at: string;
  run: string;
  paper_id: string | null;
  paper_title: string;
  paper_abstract: string;
  text: string;
  idea: string;
  scores: string | null;
  weights: string;
  backend: string;
  models: string;
  seed: number;
  related: string;
  rating: number | null;
};

const SELECT = `SELECT i.*, (SELECT score FROM idea_ratings r WHERE r.idea_id = i.id AND r.score IS NOT NULL
  ORDER BY r.id DESC LIMIT 1) AS rating FROM ideas i`;

/** The idea history: saved ideas with provenance, and their ratings. */
export class IdeaStore {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  static open(path: string): IdeaStore {
    mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 10000");
      migrate(db, path);
    } catch (e) {
      if (e instanceof IdeasteerError) throw e;
      throw new CorruptFileError(path, `not a usable idea history: ${(e as Error).message}`, { cause: e });
    }
    return new IdeaStore(path, db);
  }

  /** Saves ideas in one transaction (all or none); returns their ids in order. */
  save(ideas: readonly NewIdea[]): number[] {
    const insert = this.db.prepare(
      `INSERT INTO ideas (created_at, run, paper_id, paper_title, paper_abstract, text, idea, scores, weights, backend, models, seed, related)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = new Date().toISOString();
    return this.db.transaction(() =>
      ideas.map(
        (i) =>
          insert.run(
            now,
            i.run,
            i.paper.id,
            i.paper.title,
            i.paper.abstract,
            i.text,
            JSON.stringify(i.idea),
            i.scores ? JSON.stringify(i.scores) : null,
            JSON.stringify(i.weights),
            i.backend,
            JSON.stringify(i.models),
            i.seed,
            JSON.stringify(i.related),
          ).lastInsertRowid as number,
      ),
    )();
  }

  /** Newest first; `paperId` keeps one paper's ideas. */
  list(o: { limit?: number; paperId?: string } = {}): SavedIdea[] {
    const limit = Math.max(1, Math.min(o.limit ?? 20, 10_000));
    const rows = o.paperId
      ? this.db
          .prepare<[string, number], Row>(`${SELECT} WHERE i.paper_id = ? ORDER BY i.id DESC LIMIT ?`)
          .all(o.paperId, limit)
      : this.db.prepare<[number], Row>(`${SELECT} ORDER BY i.id DESC LIMIT ?`).all(limit);
    return rows.map(fromRow);
  }

  get(id: number): SavedIdea {
    const found = this.find(id);
    if (!found) throw new NotFoundError("idea", String(id), "list saved ideas with: ideasteer ideas list");
    return found;
  }

  find(id: number): SavedIdea | null {
    const row = this.db.prepare<[number], Row>(`${SELECT} WHERE i.id = ?`).get(id);
    return row ? fromRow(row) : null;
  }

  /** A 1-5 score of one idea. */
  rate(id: number, score: number): void {
    if (!Number.isInteger(score) || score < 1 || score > 5)
      throw new IdeasteerError("E_INPUT", `rating ${score}`, { hint: "rate with a whole number from 1 to 5" });
    this.get(id);
    this.db
      .prepare("INSERT INTO idea_ratings (idea_id, score, created_at) VALUES (?, ?, ?)")
      .run(id, score, new Date().toISOString());
  }

  /** A preference: idea `better` over idea `worse`. */
  prefer(better: number, worse: number): void {
    if (better === worse) throw new IdeasteerError("E_INPUT", "an idea cannot be preferred over itself");
    this.get(better);
    this.get(worse);
    this.db
      .prepare("INSERT INTO idea_ratings (idea_id, over_id, created_at) VALUES (?, ?, ?)")
      .run(better, worse, new Date().toISOString());
  }

  /** Every preference, oldest first: (better, worse) pairs for training. */
  preferences(): { better: number; worse: number }[] {
    return this.db
      .prepare<[], { better: number; worse: number }>(
        "SELECT idea_id AS better, over_id AS worse FROM idea_ratings WHERE over_id IS NOT NULL ORDER BY id",
      )
      .all();
  }

  close(): void {
    this.db.close();
  }
}

function migrate(db: Database.Database, path: string): void {
  db.exec("CREATE TABLE IF NOT EXISTS ideas_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const current = Number(
    db.prepare<[], { value: string }>("SELECT value FROM ideas_meta WHERE key = 'schema'").get()?.value ?? 0,
  );
  if (current > IDEAS_SCHEMA_VERSION)
    throw new CorruptFileError(
      path,
      `idea history schema ${current} is newer than this ideasteer (${IDEAS_SCHEMA_VERSION})`,
      {
        hint: "upgrade ideasteer",
      },
    );
  for (const m of MIGRATIONS.filter((x) => x.version > current))
    db.transaction(() => {
      db.exec(m.up);
      db.prepare("INSERT OR REPLACE INTO ideas_meta (key, value) VALUES ('schema', ?)").run(String(m.version));
    })();
}

function fromRow(r: Row): SavedIdea {
  return {
    id: r.id,
    createdAt: r.created_at,
    run: r.run,
    paper: { id: r.paper_id, title: r.paper_title, abstract: r.paper_abstract },
    text: r.text,
    idea: JSON.parse(r.idea) as Idea,
    scores: r.scores ? (JSON.parse(r.scores) as Scores) : null,
    weights: JSON.parse(r.weights) as Scores,
    backend: r.backend,
    models: JSON.parse(r.models) as Record<string, string>,
    seed: r.seed,
    related: JSON.parse(r.related) as RelatedWork[],
    rating: r.rating,
  };
}
