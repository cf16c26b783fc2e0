import { errorMessage } from "../core/index.js";
import type { Scores } from "../idea/index.js";
import { type IdeaEvent, rankIdeas, type SourcePaper } from "../ideas/index.js";
import { composeDigestEmail, type DigestIdea, type DigestPaper } from "./compose-email.js";
import type { ClaimRefusal, DigestStore, Send } from "./digest-store.js";
import type { NewPaperFinder } from "./new-paper-finder.js";
import { isSurelyUndelivered, type OutgoingEmail, type SendEmail } from "./send-email.js";
import type { Subscription } from "./subscription.js";

/** Ideas for one paper, steered by the weights (the CLI wires generateIdeas on the shipped policy). */
export type GenerateIdeas = (paper: SourcePaper, o: { n: number; weights: Scores }) => AsyncIterable<IdeaEvent>;

export type DigestRunOptions = {
  store: DigestStore;
  finder: Pick<NewPaperFinder, "latestPk" | "find">;
  generate: GenerateIdeas;
  send: SendEmail;
  from: string; // the sender; its domain names the Message-IDs
  publicUrl: string; // where `ideasteer serve` answers the unsubscribe link
  runId: string;
  resolveStuck: boolean; // give up sends left in `sending` and move past them (see below)
  preview?: (email: OutgoingEmail) => void; // a dry run: each email goes here; nothing is sent, nothing is written
  progress?: (s: Subscription, outcome: Outcome) => void; // one call per subscription, when it is done
};

/** What happened to one subscription in a run. */
export type Outcome =
  | { kind: "sent"; papers: number; ideas: number; messageId: string }
  | { kind: "previewed"; papers: number; ideas: number }
  | { kind: "nothing-new"; upToPk: number }
  | { kind: "failed"; error: string } // surely not delivered: the same papers are tried again next run
  | { kind: "stuck"; send: Send; error?: string } // maybe delivered: never resent; see --resolve-stuck
  | { kind: "skipped"; reason: string }; // another run holds it, or it was unsubscribed meanwhile

export type DigestReport = {
  runId: string;
  resolved: Send[];
  outcomes: { subscription: Subscription; outcome: Outcome }[];
};

/**
 * One digest run. For each active subscription: the library papers new since its cursor that match its query ->
 * ideas for each, ranked by its weights -> one email -> the ledger row `sending` committed -> the SMTP call ->
 * `sent` and the cursor advanced in one transaction. The papers considered are those up to the newest pk when the
 * run starts; papers added during the run wait for the next one.
 *
 * At most once: a send left in `sending` (a crash between the two commits, or an SMTP error after which the mail
 * may have gone out) is never sent again on its own; its subscription waits, reported as stuck, until a run with
 * `resolveStuck` marks it `unconfirmed` and moves the cursor past its papers. A mail the server surely did not get
 * (a refusal, no connection) is `failed` and its papers are tried again next run. Nothing new: nothing is sent.
 */
export async function runDigest(o: DigestRunOptions): Promise<DigestReport> {
  const { stuck, resolved } = settleStuckSends(o);
  const upToPk = o.finder.latestPk();
  const ideaCache = new Map<string, Promise<DigestIdea[]>>(); // subscriptions with the same paper and weights share ideas
  const outcomes: DigestReport["outcomes"] = [];
  for (const subscription of o.store.list({ active: true })) {
    const held = stuck.get(subscription.id);
    const outcome: Outcome = held
      ? { kind: "stuck", send: held }
      : await digestOne(subscription, { ...o, upToPk, ideaCache }).catch(
          (e: unknown): Outcome => ({ kind: "failed", error: errorMessage(e) }), // generation or the library: retried next run
        );
    outcomes.push({ subscription, outcome });
    o.progress?.(subscription, outcome);
  }
  return { runId: o.runId, resolved, outcomes };
}

/** Sends left in `sending`, by subscription; with resolveStuck (and not a dry run) each is given up and moved past. */
function settleStuckSends(o: DigestRunOptions): { stuck: Map<number, Send>; resolved: Send[] } {
  const stuck = new Map(o.store.stuckSends().map((s) => [s.subscriptionId, s]));
  if (!o.resolveStuck || o.preview) return { stuck, resolved: [] };
  for (const s of stuck.values()) o.store.resolveStuck(s.id);
  return { stuck: new Map(), resolved: [...stuck.values()] };
}

type RunState = DigestRunOptions & { upToPk: number; ideaCache: Map<string, Promise<DigestIdea[]>> };

/** One subscription: new papers -> ideas -> email -> ledger and SMTP (or the preview). */
async function digestOne(s: Subscription, o: RunState): Promise<Outcome> {
  const range = { fromPk: s.cursorPk, toPk: o.upToPk };
  const found = o.finder.find(s.query, { afterPk: range.fromPk, upToPk: range.toPk, limit: s.maxPapers });
  if (found.papers.length === 0) {
    if (!o.preview && range.toPk > range.fromPk) o.store.skipTo(s.id, range.fromPk, range.toPk);
    return { kind: "nothing-new", upToPk: range.toPk };
  }
  const papers: DigestPaper[] = [];
  for (const { pk, paper } of found.papers) papers.push({ paper, ideas: await rankedIdeas(s, { pk, paper }, o) });
  const email: OutgoingEmail = {
    ...composeDigestEmail({ subscription: s, papers, matched: found.matched, publicUrl: o.publicUrl }),
    from: o.from,
    messageId: `<digest.${o.runId}.${s.id}@${domainOf(o.from)}>`,
  };
  const ideas = papers.reduce((n, p) => n + p.ideas.length, 0);
  if (o.preview) {
    o.preview(email);
    return { kind: "previewed", papers: papers.length, ideas };
  }
  return deliver(s, email, { ...range, papers: papers.length, ideas }, o);
}

/** The subscriber's ideas for one paper, best first by their weights (generated once per paper and weights). */
function rankedIdeas(s: Subscription, p: { pk: number; paper: SourcePaper }, o: RunState): Promise<DigestIdea[]> {
  const key = JSON.stringify([p.pk, s.ideasPerPaper, s.weights]);
  let ideas = o.ideaCache.get(key);
  if (!ideas) {
    ideas = collectIdeas(o.generate(p.paper, { n: s.ideasPerPaper, weights: s.weights })).then((all) =>
      rankIdeas(all, s.weights).map((i) => all[i] as DigestIdea),
    );
    o.ideaCache.set(key, ideas);
  }
  return ideas;
}

async function collectIdeas(events: AsyncIterable<IdeaEvent>): Promise<DigestIdea[]> {
  const ideas: DigestIdea[] = [];
  for await (const e of events) if (e.type === "idea") ideas.push({ idea: e.idea, scores: e.scores });
  return ideas;
}

/**
 * The ledger around the SMTP call: `sending` is committed first; after the server's answer, `sent` with the cursor
 * moved (one transaction), or `failed` when the mail surely did not go out; any other error leaves `sending`.
 */
async function deliver(
  s: Subscription,
  email: OutgoingEmail,
  c: { fromPk: number; toPk: number; papers: number; ideas: number },
  o: RunState,
): Promise<Outcome> {
  const claim = o.store.claimSend({
    subscriptionId: s.id,
    runId: o.runId,
    fromPk: c.fromPk,
    toPk: c.toPk,
    papers: c.papers,
    messageId: email.messageId,
  });
  if ("refused" in claim) return { kind: "skipped", reason: refusalText(claim) };
  try {
    await o.send(email);
  } catch (e) {
    if (!isSurelyUndelivered(e)) return { kind: "stuck", send: claim, error: errorMessage(e) };
    o.store.markFailed(claim.id, errorMessage(e));
    return { kind: "failed", error: errorMessage(e) };
  }
  try {
    o.store.markSent(claim.id);
  } catch (e) {
    return { kind: "stuck", send: claim, error: `sent, but the ledger did not record it: ${errorMessage(e)}` };
  }
  return { kind: "sent", papers: c.papers, ideas: c.ideas, messageId: email.messageId };
}

const refusalText = (r: ClaimRefusal): string =>
  r.refused === "in-flight"
    ? `send ${r.send.id} of run ${r.send.runId} is in flight`
    : r.refused === "cursor-moved"
      ? `another run moved its cursor to ${r.cursorPk}`
      : "unsubscribed during this run";

/** "ideasteer <digest@example.org>" -> "example.org" (Message-IDs end in the sender's domain). */
const domainOf = (from: string): string => /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? "ideasteer.invalid";
