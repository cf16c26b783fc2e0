import { randomBytes } from "node:crypto";
import { type Command, Option } from "commander";
import { DigestConfig } from "../../config/index.js";
import { ConfigError } from "../../core/index.js";
import {
  checkSubscriptionFields,
  DigestStore,
  type GenerateIdeas,
  NewPaperFinder,
  type Outcome,
  type OutgoingEmail,
  openSmtpSender,
  runDigest,
  type Send,
  type SendEmail,
  type Subscription,
} from "../../digest/index.js";
import { DIMENSIONS } from "../../idea/index.js";
import { type IdeaEvent, IdeaStore } from "../../ideas/index.js";
import { type LlmBackend, openBackend } from "../../llm/index.js";
import { createScoreCache, loadRewardModel, SHIPPED_REWARD_MODEL_DIR } from "../../reward/index.js";
import { BEST_OF_K_OBJECTIVE_HELP, BEST_OF_K_OBJECTIVES, type BestOfKObjective } from "../../steer/index.js";
import { addConfigFlags, configFlags, configFlagValues, type FlagsOf } from "../config-flags.js";
import { type CliContext, contextFor, intFlag } from "../context.js";
import {
  type LibraryHandle,
  modelHashes,
  openLibrary,
  paperIdeas,
  paperIdeasControlHashes,
  withPolicyDefault,
} from "../idea-generation.js";
import { addLlmOptions, type LlmFlags, llmFlagValues } from "../llm-options.js";
import { parseWeightsFlag } from "../weights-flag.js";
import type { RegisterCommands } from "./index.js";

const ADD_FLAGS = configFlags({ section: "digest", schema: DigestConfig, fields: { ideas: "<n>", maxPapers: "<n>" } });
const SMTP_FLAGS = configFlags({
  section: "digest",
  schema: DigestConfig,
  fields: {
    smtpHost: "<host>",
    smtpPort: "<n>",
    smtpSecure: {},
    smtpUser: "<user>", // its password: IDEASTEER_SMTP_PASS only, never a flag
    smtpTimeoutS: "<s>",
    from: "<address>",
    publicUrl: "<url>",
  },
});

type AddFlags = FlagsOf<typeof ADD_FLAGS> & { to: string; weights?: string; backfill?: boolean };
type RunFlags = LlmFlags &
  FlagsOf<typeof SMTP_FLAGS> & {
    dryRun?: boolean;
    resolveStuck?: boolean;
    control: string;
    bestOf: number;
    bestOfObjective: BestOfKObjective;
    seed: number;
    rewardModel?: string;
    save: boolean;
  };

export const registerDigestCommands: RegisterCommands = (program: Command) => {
  const digest = program
    .command("digest")
    .description("saved searches mailed to subscribers: new library papers with steered ideas, one email per run");
  const add = digest
    .command("add")
    .description("save a search for an address; each `digest run` mails it the new papers that match")
    .argument("<query>", "words every paper must contain (library search terms)")
    .requiredOption("--to <email>", "the subscriber's address")
    .option(
      "--weights <n,f,e>",
      "novelty, feasibility, effectiveness weights that rank and steer the ideas (default equal)",
    )
    .option("--backfill", "also mail matching papers already in the library (default: only papers added from now on)");
  addConfigFlags(add, ADD_FLAGS).action((query: string, flags: AddFlags, cmd: Command) => {
    const ctx = contextFor(cmd, configFlagValues(ADD_FLAGS, flags));
    const weights = parseWeightsFlag(flags.weights);
    const fields = checkSubscriptionFields({
      query,
      email: flags.to,
      ideasPerPaper: ctx.config.digest.ideas,
      maxPapers: ctx.config.digest.maxPapers,
    });
    const cursorPk = flags.backfill ? 0 : latestPk(ctx);
    withStore(ctx, (store) => {
      const s = store.subscribe({ ...fields, weights, cursorPk });
      process.stdout.write(
        `subscribed #${s.id}: ${s.email} <- "${s.query}" (${weightsText(s)}, ${s.ideasPerPaper} ideas per paper, up to ${s.maxPapers} papers per email)\n`,
      );
    });
  });
  digest
    .command("list")
    .description("the subscriptions, with the last send of each")
    .option("--json", "one JSON object per line (the unsubscribe token is left out)")
    .action((flags: { json?: boolean }, cmd: Command) =>
      withStore(contextFor(cmd), (store) => {
        const rows = store.list().map((s) => ({ s, last: store.sends({ subscriptionId: s.id }).at(-1) ?? null }));
        if (flags.json)
          for (const { s, last } of rows)
            process.stdout.write(`${JSON.stringify({ ...publicFields(s), lastSend: last })}\n`);
        else process.stdout.write(table(rows));
      }),
    );
  digest
    .command("remove")
    .description("delete a subscription and its send ledger")
    .argument("<id>", "subscription id (digest list)", intFlag("<id>"))
    .action((id: number, _flags: unknown, cmd: Command) =>
      withStore(contextFor(cmd), (store) => {
        const s = store.remove(id);
        process.stdout.write(`removed #${s.id}: ${s.email} <- "${s.query}"\n`);
      }),
    );
  const run = digest
    .command("run")
    .description("mail each active subscription the papers added since its last email (cron it after `library add`)")
    .option("--dry-run", "print the emails instead of sending them; writes nothing")
    .option(
      "--resolve-stuck",
      "give up sends a crash left unconfirmed (maybe delivered) and move past their papers; never resends them",
    )
    .option(
      "--control <mode>",
      "auto | none | static | dynamic | best-of-k | static+best-of-k | dynamic+best-of-k (as generate --control)",
      "auto",
    )
    .option("--best-of <k>", "best-of-K candidates per sentence", intFlag("--best-of"), 4)
    .addOption(
      new Option("--best-of-objective <objective>", `what best-of-K keeps: ${BEST_OF_K_OBJECTIVE_HELP}`)
        .choices([...BEST_OF_K_OBJECTIVES])
        .default("weighted"),
    )
    .option("--seed <s>", "same seed, same ideas for a paper", intFlag("--seed"), 1)
    .option("--reward-model <dir>", "reward model folder (default: the shipped models/reward)")
    .option("--no-save", "do not keep the ideas in the idea history (ideasteer ideas list)");
  addLlmOptions(addConfigFlags(run, SMTP_FLAGS))
    .addHelpText(
      "after",
      `
Examples:
  $ ideasteer digest add "controllable generation" --to ada@example.org --weights 2,1,1
  $ ideasteer library add arxiv-cs.CL.atom && ideasteer digest run --smtp-host smtp.example.org --from "ideasteer <digest@example.org>"
  $ ideasteer digest run --dry-run`,
    )
    .action(async (flags: RunFlags, cmd: Command) => {
      const ctx = contextFor(cmd, { ...llmFlagValues(flags), ...configFlagValues(SMTP_FLAGS, flags) });
      await digestRun(ctx, flags);
    });
};

/** `digest run`: wires the library, the ledger, generation on the policy and SMTP into runDigest, and reports. */
async function digestRun(ctx: CliContext, flags: RunFlags): Promise<void> {
  const { digest, library, server } = ctx.config;
  const dryRun = flags.dryRun ?? false;
  const smtp = dryRun ? null : smtpOptions(ctx); // checked before anything opens
  const runId = `${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}-${randomBytes(3).toString("hex")}`;
  const generation = lazyGeneration(ctx, { ...flags, runId, save: flags.save && !dryRun }); // opens on first use
  const store = DigestStore.open(library.dbPath);
  const finder = NewPaperFinder.open(library.dbPath);
  const mailer = smtp ? openSmtpSender(smtp) : null;
  try {
    const report = await runDigest({
      store,
      finder,
      generate: generation.generate,
      send: mailer?.send ?? notSending,
      from: digest.from || "ideasteer <digest@localhost>",
      publicUrl: digest.publicUrl || `http://${server.host}:${server.port}`,
      runId,
      resolveStuck: flags.resolveStuck ?? false,
      preview: dryRun ? (e) => process.stdout.write(previewText(e)) : undefined,
      progress: (s, outcome) => process.stdout.write(`${progressLine(s, outcome)}\n`),
    });
    for (const s of report.resolved)
      process.stdout.write(
        `resolved send ${s.id} (subscription #${s.subscriptionId}, ${s.messageId}): unconfirmed, not sent again\n`,
      );
    const stuck = report.outcomes.filter((x) => x.outcome.kind === "stuck").length;
    const failed = report.outcomes.filter((x) => x.outcome.kind === "failed").length;
    if (stuck > 0)
      process.stderr.write(
        `${stuck} send(s) stuck in the ledger: maybe delivered, so never resent. Check the mail server's log for their Message-IDs, then run: ideasteer digest run --resolve-stuck\n`,
      );
    if (stuck + failed > 0) process.exitCode = 1;
  } finally {
    mailer?.close();
    finder.close();
    store.close();
    await generation.close();
  }
}

const notSending: SendEmail = () => Promise.reject(new Error("a dry run sends nothing"));

/** SMTP settings from the config, the password from IDEASTEER_SMTP_PASS only; host and sender are required. */
function smtpOptions(ctx: CliContext) {
  const d = ctx.config.digest;
  if (!d.smtpHost)
    throw new ConfigError(
      "digest run needs an SMTP server",
      "set digest.smtpHost (--smtp-host, IDEASTEER_DIGEST_SMTP_HOST), or use --dry-run",
    );
  if (!d.from)
    throw new ConfigError(
      "digest run needs a sender address",
      'set digest.from (--from "ideasteer <digest@example.org>", IDEASTEER_DIGEST_FROM)',
    );
  const pass = process.env.IDEASTEER_SMTP_PASS;
  if (d.smtpUser && !pass)
    throw new ConfigError(`SMTP user ${d.smtpUser} has no password`, "set IDEASTEER_SMTP_PASS in the environment");
  return { host: d.smtpHost, port: d.smtpPort, secure: d.smtpSecure, user: d.smtpUser, pass, timeoutS: d.smtpTimeoutS };
}

/**
 * Generation opened on first use: a run with nothing new loads no model. Ideas are kept in the idea history
 * (run `digest-<run id>`) unless `save` is false (--no-save, --dry-run).
 */
function lazyGeneration(
  ctx: CliContext,
  o: {
    control: string;
    bestOf: number;
    bestOfObjective: BestOfKObjective;
    seed: number;
    rewardModel?: string;
    runId: string;
    save: boolean;
  },
): { generate: GenerateIdeas; close(): Promise<void> } {
  type Ready = { generate: GenerateIdeas; backend: LlmBackend; models: Record<string, string> };
  let ready: Promise<Ready> | null = null;
  let library: LibraryHandle | null = null;
  let history: IdeaStore | null = null;
  const open = async (): Promise<Ready> => {
    const c = withPolicyDefault(ctx);
    if (o.save) history = IdeaStore.open(c.config.library.dbPath);
    const rewardDir = o.rewardModel ?? SHIPPED_REWARD_MODEL_DIR;
    const rewardModel = loadRewardModel(rewardDir);
    library = openLibrary(c.config.library.dbPath, c.log);
    const backend = await openBackend(c.config.llm.backend, { llm: c.config.llm, home: c.config.home, log: c.log });
    const generate = paperIdeas({
      ctx: c,
      backend,
      rewardModel,
      scoreCache: createScoreCache(),
      library,
      control: o.control,
      bestOf: o.bestOf,
      bestOfObjective: o.bestOfObjective,
      seed: o.seed,
    });
    const models = {
      ...modelHashes(c, rewardDir),
      ...paperIdeasControlHashes(c, o.control, o.bestOf, o.bestOfObjective),
    };
    return { generate, backend, models };
  };
  async function* generate(...[paper, g]: Parameters<GenerateIdeas>): AsyncGenerator<IdeaEvent> {
    ready ??= open();
    const r = await ready;
    for await (const e of r.generate(paper, g)) {
      if (e.type === "idea" && history)
        history.save([
          {
            ...e,
            run: `digest-${o.runId}`,
            weights: g.weights,
            backend: r.backend.name,
            models: r.models,
            paper: { id: paper.id ?? null, title: paper.title, abstract: paper.abstract },
          },
        ]);
      yield e;
    }
  }
  return {
    generate,
    close: async () => {
      history?.close();
      library?.close();
      const r = await ready?.catch(() => null);
      await r?.backend.close();
    },
  };
}

/** The library's newest paper: a new subscription starts after it. */
function latestPk(ctx: CliContext): number {
  const finder = NewPaperFinder.open(ctx.config.library.dbPath);
  try {
    return finder.latestPk();
  } finally {
    finder.close();
  }
}

function withStore<T>(ctx: CliContext, fn: (store: DigestStore) => T): T {
  const store = DigestStore.open(ctx.config.library.dbPath);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

const weightsText = (s: Subscription) => `n/f/e ${DIMENSIONS.map((d) => s.weights[d].toFixed(2)).join("/")}`;

/** A subscription without its unsubscribe token (a secret: whoever holds it can unsubscribe the address). */
const publicFields = ({ token: _token, ...rest }: Subscription) => rest;

function table(rows: { s: Subscription; last: Send | null }[]): string {
  if (rows.length === 0) return 'no subscriptions; add one with: ideasteer digest add "<query>" --to <email>\n';
  const lines = rows.map(({ s, last }) => [
    `#${s.id}`,
    s.email,
    s.unsubscribedAt ? `unsubscribed ${s.unsubscribedAt.slice(0, 10)}` : "active",
    weightsText(s),
    `${s.ideasPerPaper}x${s.maxPapers}`,
    `after pk ${s.cursorPk}`,
    last ? `last ${last.status} ${last.startedAt.slice(0, 16)}` : "never sent",
    `"${s.query}"`,
  ]);
  const header = ["id", "email", "status", "weights", "ideas x papers", "cursor", "last send", "query"];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return `${[fmt(header), ...lines.map(fmt)].join("\n")}\n`;
}

function progressLine(s: Subscription, o: Outcome): string {
  const who = `#${s.id} ${s.email} "${s.query}":`;
  switch (o.kind) {
    case "sent":
      return `${who} sent ${o.papers} paper(s), ${o.ideas} idea(s) ${o.messageId}`;
    case "previewed":
      return `${who} dry run: ${o.papers} paper(s), ${o.ideas} idea(s), not sent`;
    case "nothing-new":
      return `${who} nothing new`;
    case "failed":
      return `${who} failed, tried again next run: ${o.error}`;
    case "stuck":
      return `${who} stuck: send ${o.send.id} ${o.send.messageId} may have been delivered${o.error ? ` (${o.error})` : ""}; not resent`;
    case "skipped":
      return `${who} skipped: ${o.reason}`;
  }
}

function previewText(e: OutgoingEmail): string {
  const headers = Object.entries(e.headers).map(([k, v]) => `${k}: ${v}`);
  return [
    `From: ${e.from}`,
    `To: ${e.to}`,
    `Subject: ${e.subject}`,
    `Message-ID: ${e.messageId}`,
    ...headers,
    "",
    e.text,
    "",
  ].join("\n");
}
