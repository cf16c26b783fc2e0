import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { CorruptFileError, IdeasteerError, NotFoundError } from "../core/index.js";
import type { Scores } from "../idea/index.js";
import { type NewSubscription, newUnsubscribeToken, type Subscription } from "./subscription.js";

/**
 * One attempt to mail one subscription the papers in (fromPk, toPk]. The row is committed as `sending` BEFORE the
 * SMTP call and turned `sent` together with the cursor's advance AFTER it, so a crash in between leaves `sending`:
 * the mail may or may not have gone out, and it is never sent again on its own (at most once; see runDigest).
 */
export const SEND_STATUSES = ["sending", "sent", "failed", "unconfirmed"] as const;
export type SendStatus = (typeof SEND_STATUSES)[number];
// sending: claimed, the SMTP call may be under way (or a crash left it here)
// sent: the server accepted it; the cursor moved to toPk in the same transaction
// failed: the server refused it or could not be reached: not delivered, the range is tried again next run
// unconfirmed: was stuck in sending and resolved by `digest run --resolve-stuck`: maybe delivered, never retried

export type Send = {
  id: number;
  subscriptionId: number;
  runId: string;
  fromPk: number; // exclusive
  toPk: number; // inclusive
  papers: number;
  status: SendStatus;
  messageId: string; // set before the SMTP call: a stuck send can be looked up in the mail server's log
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
};

/**
 * The digest's tables, in the library's SQLite file but versioned on their own (`digest_meta.schema`), as the idea
 * history is: `library/` knows nothing of them. Migrations run in one transaction with the version bump.
 */
const MIGRATIONS: { version: number; up: string }[] = [
  {
    version: 1,
    up: `
      CREATE TABLE digest_subscriptions (
        id INTEGER PRIMARY KEY,
        query TEXT NOT NULL,
        email TEXT NOT NULL,
        weights TEXT NOT NULL,                -- JSON Scores
        ideas_per_paper INTEGER NOT NULL CHECK (ideas_per_paper >= 1),
        max_papers INTEGER NOT NULL CHECK (max_papers >= 1),
        token TEXT NOT NULL UNIQUE,           -- 32 hex digits
        cursor_pk INTEGER NOT NULL DEFAULT 0, -- the last papers.pk seen
        created_at TEXT NOT NULL,
        unsubscribed_at TEXT
      );
      CREATE TABLE digest_sends (
        id INTEGER PRIMARY KEY,
        subscription_id INTEGER NOT NULL REFERENCES digest_subscriptions(id) ON DELETE CASCADE,
        run_id TEXT NOT NULL,
        from_pk INTEGER NOT NULL,
        to_pk INTEGER NOT NULL CHECK (to_pk > from_pk),
        papers INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'unconfirmed')),
        message_id TEXT NOT NULL,
        error TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      -- One claim per subscription at a time: two runs cannot both be mailing it.
      CREATE UNIQUE INDEX digest_sends_one_in_flight ON digest_sends(subscription_id) WHERE status = 'sending';
      CREATE INDEX digest_sends_subscription ON digest_sends(subscription_id, id);`,
  },
];
export const DIGEST_SCHEMA_VERSION = MIGRATIONS.length;

type SubscriptionRow = {
  id: number;
  query: string;
  email: string;
  weights: string;
  ideas_per_paper: number;
  max_papers: number;
  token: string;
  cursor_pk: number;
  created_at: string;
  unsubscribed_at: string | null;
};
type SendRow = {
  id: number;
  subscription_id: number;
  run_id: string;
  from_pk: number;
  to_pk: number;
  papers: number;
  status: SendStatus;
  message_id: string;
  error: string | null;
  started_at: string;
  finished_at: string | null;
};

/** Why a claim was refused: another send of it is in flight (or stuck), its cursor moved on, or it was unsubscribed. */
export type ClaimRefusal =
  | { refused: "in-flight"; send: Send }
  | { refused: "cursor-moved"; cursorPk: number }
  | { refused: "unsubscribed" };

/** Subscriptions, their cursors and the send ledger. Every write is one transaction. */
export class DigestStore {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  static open(path: string): DigestStore {
    mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL"); // a committed `sending` row must survive a power cut: it is what stops a resend
      db.pragma("foreign_keys = ON");
      db.pragma("busy_timeout = 10000");
      migrate(db, path);
    } catch (e) {
      if (e instanceof IdeasteerError) throw e;
      throw new CorruptFileError(path, `not a usable digest database: ${(e as Error).message}`, { cause: e });
    }
    return new DigestStore(path, db);
  }

  /** Stores a checked subscription (checkSubscriptionFields) with a fresh unsubscribe token. */
  subscribe(s: NewSubscription): Subscription {
    const run = () =>
      this.db
        .prepare<[string, string, string, number, number, string, number, string], { id: number }>(
          `INSERT INTO digest_subscriptions (query, email, weights, ideas_per_paper, max_papers, token, cursor_pk, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        )
        .get(
          s.query,
          s.email,
          JSON.stringify(s.weights),
          s.ideasPerPaper,
          s.maxPapers,
          newUnsubscribeToken(),
          s.cursorPk,
          new Date().toISOString(),
        ) as { id: number };
    const { id } = this.db.transaction(run)();
    return this.get(id);
  }

  /** Oldest first; `active` keeps the ones still subscribed. */
  list(o: { active?: boolean } = {}): Subscription[] {
    const where = o.active ? "WHERE unsubscribed_at IS NULL" : "";
    return this.db
      .prepare<[], SubscriptionRow>(`SELECT * FROM digest_subscriptions ${where} ORDER BY id`)
      .all()
      .map(subscriptionFrom);
  }

  get(id: number): Subscription {
    const row = this.db.prepare<[number], SubscriptionRow>("SELECT * FROM digest_subscriptions WHERE id = ?").get(id);
    if (!row) throw new NotFoundError("digest subscription", String(id), "list them with: ideasteer digest list");
    return subscriptionFrom(row);
  }

  findByToken(token: string): Subscription | null {
    const row = this.db
      .prepare<[string], SubscriptionRow>("SELECT * FROM digest_subscriptions WHERE token = ?")
      .get(token);
    return row ? subscriptionFrom(row) : null;
  }

  /** Marks the token's subscription unsubscribed (once; later calls keep the first time). Null: no such token. */
  unsubscribe(token: string): Subscription | null {
    const found = this.db.transaction(() => {
      const row = this.db
        .prepare<[string], { id: number }>("SELECT id FROM digest_subscriptions WHERE token = ?")
        .get(token);
      if (row)
        this.db
          .prepare("UPDATE digest_subscriptions SET unsubscribed_at = ? WHERE id = ? AND unsubscribed_at IS NULL")
          .run(new Date().toISOString(), row.id);
      return row;
    })();
    return found ? this.get(found.id) : null;
  }

  /** Deletes a subscription and its ledger. */
  remove(id: number): Subscription {
    const s = this.get(id);
    this.db.transaction(() => this.db.prepare("DELETE FROM digest_subscriptions WHERE id = ?").run(id))();
    return s;
  }

  /** Moves the cursor from `fromPk` to `toPk` with nothing to send (no new paper matched). False: it had moved. */
  skipTo(subscriptionId: number, fromPk: number, toPk: number): boolean {
    return this.db.transaction(
      () =>
        this.db
          .prepare("UPDATE digest_subscriptions SET cursor_pk = ? WHERE id = ? AND cursor_pk = ?")
          .run(toPk, subscriptionId, fromPk).changes === 1,
    )();
  }

  /**
   * Claims (fromPk, toPk] of a subscription for one send: commits a `sending` row with the email's Message-ID,
   * unless another send of it is in flight or stuck, its cursor is no longer `fromPk` (another run got there first),
   * or it was unsubscribed meanwhile. BEGIN IMMEDIATE: two runs cannot both pass the checks.
   */
  claimSend(c: {
    subscriptionId: number;
    runId: string;
    fromPk: number;
    toPk: number;
    papers: number;
    messageId: string;
  }): Send | ClaimRefusal {
    const claim = this.db.transaction((): Send | ClaimRefusal => {
      const inFlight = this.db
        .prepare<[number], SendRow>("SELECT * FROM digest_sends WHERE subscription_id = ? AND status = 'sending'")
        .get(c.subscriptionId);
      if (inFlight) return { refused: "in-flight", send: sendFrom(inFlight) };
      const { cursorPk, unsubscribedAt } = this.get(c.subscriptionId);
      if (unsubscribedAt) return { refused: "unsubscribed" };
      if (cursorPk !== c.fromPk) return { refused: "cursor-moved", cursorPk };
      const row = this.db
        .prepare<[number, string, number, number, number, string, string], SendRow>(
          `INSERT INTO digest_sends (subscription_id, run_id, from_pk, to_pk, papers, message_id, status, started_at)
           VALUES (?, ?, ?, ?, ?, ?, 'sending', ?) RETURNING *`,
        )
        .get(c.subscriptionId, c.runId, c.fromPk, c.toPk, c.papers, c.messageId, new Date().toISOString()) as SendRow;
      return sendFrom(row);
    });
    return claim.immediate();
  }

  /** The server accepted the mail: the send is `sent` and the cursor moves to its toPk, in one transaction. */
  markSent(sendId: number): void {
    this.finish(sendId, { status: "sent", advance: true });
  }

  /** The mail surely did not go out (refused, or no connection): the cursor stays, so the next run tries again. */
  markFailed(sendId: number, error: string): void {
    this.finish(sendId, { status: "failed", error, advance: false });
  }

  /** A send stuck in `sending` (a crash between the SMTP call and markSent): give it up, and move the cursor past it. */
  resolveStuck(sendId: number): void {
    this.finish(sendId, {
      status: "unconfirmed",
      error: "stuck in sending (the run stopped during or after the SMTP call): maybe delivered, not sent again",
      advance: true,
    });
  }

  private finish(
    sendId: number,
    o: { status: Exclude<SendStatus, "sending">; error?: string; advance: boolean },
  ): void {
    this.db.transaction(() => {
      const row = this.db
        .prepare<[number], SendRow>("SELECT * FROM digest_sends WHERE id = ? AND status = 'sending'")
        .get(sendId);
      if (!row) throw new IdeasteerError("E_STORE", `digest send ${sendId} is not in flight (already settled?)`);
      this.db
        .prepare("UPDATE digest_sends SET status = ?, error = ?, finished_at = ? WHERE id = ?")
        .run(o.status, o.error ?? null, new Date().toISOString(), sendId);
      if (o.advance)
        this.db
          .prepare("UPDATE digest_subscriptions SET cursor_pk = max(cursor_pk, ?) WHERE id = ?")
          .run(row.to_pk, row.subscription_id);
    })();
  }

  /** Sends left in `sending`: each is a crash (or a run still in progress). */
  stuckSends(): Send[] {
    return this.db
      .prepare<[], SendRow>("SELECT * FROM digest_sends WHERE status = 'sending' ORDER BY id")
      .all()
      .map(sendFrom);
  }

  /** The ledger, oldest first; `subscriptionId` keeps one subscription's. */
  sends(o: { subscriptionId?: number } = {}): Send[] {
    const rows =
      o.subscriptionId === undefined
        ? this.db.prepare<[], SendRow>("SELECT * FROM digest_sends ORDER BY id").all()
        : this.db
            .prepare<[number], SendRow>("SELECT * FROM digest_sends WHERE subscription_id = ? ORDER BY id")
            .all(o.subscriptionId);
    return rows.map(sendFrom);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** Brings the tables to DIGEST_SCHEMA_VERSION in one IMMEDIATE transaction: two processes opening a fresh file at once
 * (`serve` and `digest add`) cannot both run a migration. */
function migrate(db: Database.Database, path: string): void {
  db.transaction(() => {
    db.exec("CREATE TABLE IF NOT EXISTS digest_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const current = Number(
      db.prepare<[], { value: string }>("SELECT value FROM digest_meta WHERE key = 'schema'").get()?.value ?? 0,
    );
    if (current > DIGEST_SCHEMA_VERSION)
      throw new CorruptFileError(
        path,
        `digest schema ${current} is newer than this ideasteer (${DIGEST_SCHEMA_VERSION})`,
        { hint: "upgrade ideasteer" },
      );
    for (const m of MIGRATIONS.filter((x) => x.version > current)) {
      db.exec(m.up);
      db.prepare("INSERT OR REPLACE INTO digest_meta (key, value) VALUES ('schema', ?)").run(String(m.version));
    }
  }).immediate();
}

const subscriptionFrom = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  query: r.query,
  email: r.email,
  weights: JSON.parse(r.weights) as Scores,
  ideasPerPaper: r.ideas_per_paper,
  maxPapers: r.max_papers,
  token: r.token,
  cursorPk: r.cursor_pk,
  createdAt: r.created_at,
  unsubscribedAt: r.unsubscribed_at,
});

const sendFrom = (r: SendRow): Send => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  runId: r.run_id,
  fromPk: r.from_pk,
  toPk: r.to_pk,
  papers: r.papers,
  status: r.status,
  messageId: r.message_id,
  error: r.error,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});
