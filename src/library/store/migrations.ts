import type Database from "better-sqlite3";
import { CorruptFileError } from "../../core/index.js";

/**
 * The store's schema history. Each migration moves the database from version `version - 1` to
 * `version` inside one transaction together with `PRAGMA user_version`, so a crash leaves either
 * the old schema or the new one. Append new migrations; never edit a released one.
 */
export type Migration = { version: number; name: string; up: (db: Database.Database) => void };

// BM25 column weights: title, abstract, keywords, full-text body. A title hit is worth most.
export const BM25_WEIGHTS = [8.0, 1.0, 3.0, 0.5] as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "papers, id aliases, FTS5 index",
    up: (db) => {
      db.exec(`
        CREATE TABLE papers (
          pk INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          title_norm TEXT NOT NULL UNIQUE,       -- normalizeTitle(title): one row per work
          title TEXT NOT NULL,
          abstract TEXT NOT NULL DEFAULT '',
          venue TEXT,
          year INTEGER,
          authors TEXT NOT NULL DEFAULT '[]',    -- JSON array of strings
          keywords TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
          citations INTEGER,
          url TEXT,
          sections TEXT NOT NULL DEFAULT '{}',   -- JSON PaperSections
          refs TEXT NOT NULL DEFAULT '[]',       -- JSON Reference[]
          source TEXT NOT NULL,
          dup_ids TEXT NOT NULL DEFAULT '[]',    -- JSON array: other ids of the same work
          keywords_text TEXT NOT NULL DEFAULT '',-- derived, indexed by FTS
          body_text TEXT NOT NULL DEFAULT '',    -- derived: section texts, indexed by FTS
          updated_at INTEGER NOT NULL
        );
        -- Every id a paper is known by (its own and its dupIds) -> the paper row.
        CREATE TABLE paper_ids (
          alias TEXT PRIMARY KEY,
          pk INTEGER NOT NULL REFERENCES papers(pk) ON DELETE CASCADE
        ) WITHOUT ROWID;
        CREATE INDEX paper_ids_pk ON paper_ids(pk);
        CREATE INDEX papers_venue_year ON papers(venue, year);

        CREATE VIRTUAL TABLE papers_fts USING fts5(
          title, abstract, keywords_text, body_text,
          content='papers', content_rowid='pk',
          tokenize='porter unicode61 remove_diacritics 2'
        );
        INSERT INTO papers_fts(papers_fts, rank) VALUES('rank', 'bm25(${BM25_WEIGHTS.join(", ")})');
        CREATE TRIGGER papers_fts_ai AFTER INSERT ON papers BEGIN
          INSERT INTO papers_fts(rowid, title, abstract, keywords_text, body_text)
          VALUES (new.pk, new.title, new.abstract, new.keywords_text, new.body_text);
        END;
        CREATE TRIGGER papers_fts_ad AFTER DELETE ON papers BEGIN
          INSERT INTO papers_fts(papers_fts, rowid, title, abstract, keywords_text, body_text)
          VALUES ('delete', old.pk, old.title, old.abstract, old.keywords_text, old.body_text);
        END;
        CREATE TRIGGER papers_fts_au AFTER UPDATE OF title, abstract, keywords_text, body_text ON papers BEGIN
          INSERT INTO papers_fts(papers_fts, rowid, title, abstract, keywords_text, body_text)
          VALUES ('delete', old.pk, old.title, old.abstract, old.keywords_text, old.body_text);
          INSERT INTO papers_fts(rowid, title, abstract, keywords_text, body_text)
          VALUES (new.pk, new.title, new.abstract, new.keywords_text, new.body_text);
        END;
      `);
    },
  },
  {
    version: 2,
    name: "ingest progress (resume after a crash)",
    up: (db) => {
      db.exec(`
        -- One row per input file identity (path, size, mtime): how many of its records are committed.
        -- Written in the same transaction as each batch, so it never runs ahead of the papers table.
        CREATE TABLE ingest_progress (
          file_key TEXT PRIMARY KEY,
          path TEXT NOT NULL,
          records_done INTEGER NOT NULL,   -- items consumed (papers and bad records), in file order
          skipped INTEGER NOT NULL,        -- bad records among them
          completed INTEGER NOT NULL,      -- 1 once the whole file is in
          updated_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 3,
    name: "search without Porter stemming (it merged generation and general); plurals fold at query time",
    up: (db) => {
      db.exec(`
        DROP TABLE papers_fts;
        CREATE VIRTUAL TABLE papers_fts USING fts5(
          title, abstract, keywords_text, body_text,
          content='papers', content_rowid='pk',
          tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO papers_fts(papers_fts, rank) VALUES('rank', 'bm25(${BM25_WEIGHTS.join(", ")})');
        INSERT INTO papers_fts(papers_fts) VALUES('rebuild');
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Brings `db` to `target` (default: latest). Refuses a database made by a newer ideasteer. */
export function migrate(db: Database.Database, file: string, target = SCHEMA_VERSION): number {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new CorruptFileError(
      file,
      `library schema version ${current} is newer than this ideasteer (${SCHEMA_VERSION})`,
      {
        hint: "upgrade ideasteer, or point --home at another library",
      },
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return db.pragma("user_version", { simple: true }) as number;
}
