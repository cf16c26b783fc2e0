import { createReadStream } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import type { Command } from "commander";
import { z } from "zod";
import { errorMessage, formatLocation, IdeasteerError } from "../../core/index.js";
import { DIMENSIONS, type Scores } from "../../idea/index.js";
import { abstractAsIdea, loadRewardModel, MAX_IDEA_CHARS, scoreIdeas } from "../../reward/index.js";
import { contextFor, intFlag } from "../context.js";
import type { RegisterCommands } from "./index.js";

/** A JSONL line longer than this is refused (reported, skipped), never read whole into a hang. */
export const MAX_LINE_BYTES = 64 * 1024;
const BATCH = 256;

const Id = z.union([z.string().min(1), z.number()]);
const ScoreLine = z.union([
  z.object({ id: Id, title: z.string(), abstract: z.string() }),
  z.object({ id: Id, idea: z.string().min(1) }),
]);

type Item = { id: string | number; text: string };
type ScoreFlags = { json?: boolean; model?: string; maxLineBytes?: number };

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes` of one line: a longer
 * line comes back as `{ tooLong: bytes }` and the rest of it is dropped as it streams past.
 */
async function* boundedLines(
  input: Readable,
  maxBytes: number,
): AsyncGenerator<{ line: number; text: string } | { line: number; tooLong: number }> {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 0;
  const flush = () => {
    line++;
    if (size > maxBytes) return { line, tooLong: size };
    return { line, text: Buffer.concat(parts).toString("utf8").replace(/\r$/, "") };
  };
  for await (const chunk of input) {
    let buf = chunk as Buffer;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10)) {
      const head = buf.subarray(0, nl);
      if (size + head.length <= maxBytes) parts.push(head);
      size += head.length;
      yield flush();
      parts = [];
      size = 0;
      buf = buf.subarray(nl + 1);
    }
    if (size + buf.length <= maxBytes) parts.push(buf);
    else parts = [];
    size += buf.length;
  }
  if (size > 0) yield flush();
}

export const registerScoreCommands: RegisterCommands = (program: Command) => {
  program
    .command("score")
    .description("score ideas or abstracts on novelty, feasibility and effectiveness with the reward models")
    .argument(
      "<file>",
      'JSONL ({"id","title","abstract"} or {"id","idea"} per line) or a plain idea text file; "-" reads stdin',
    )
    .option("--json", 'one line per input: {"id","novelty","feasibility","effectiveness"}, each in [0, 1]')
    .option("--model <dir>", "reward model folder (default: the shipped models/reward)")
    .option(
      "--max-line-bytes <n>",
      `longest JSONL line accepted (default ${MAX_LINE_BYTES})`,
      intFlag("--max-line-bytes"),
    )
    .addHelpText(
      "after",
      `
Bad lines are reported on stderr as file:line and skipped; the rest are scored, in input order, and
the exit status is 1 when any line was bad.

Examples:
  $ ideasteer score abstracts.jsonl --json
  $ echo '{"id":"a","title":"Sparse attention","abstract":"We ..."}' | ideasteer score - --json
  $ ideasteer score idea.txt`,
    )
    .action(async (file: string, flags: ScoreFlags, self: Command) => {
      const { log } = contextFor(self);
      const model = loadRewardModel(flags.model);
      const name = file === "-" ? "stdin" : file;
      const input: Readable = file === "-" ? process.stdin : createReadStream(file);
      input.on("error", () => {}); // surfaced by the iterator below
      const maxBytes = flags.maxLineBytes ?? MAX_LINE_BYTES;
      let bad = 0;
      const report = (line: number, msg: string) => {
        bad++;
        process.stderr.write(`${formatLocation({ file: name, line })}: ${msg}\n`);
      };
      const rows: [string, ...string[]][] = [];
      const emit = (items: Item[], scores: Scores[]) =>
        items.forEach((it, i) => {
          const s = scores[i] as Scores;
          if (flags.json) process.stdout.write(`${JSON.stringify({ id: it.id, ...s })}\n`);
          else rows.push([String(it.id), ...DIMENSIONS.map((d) => s[d].toFixed(3))]);
        });
      let batch: Item[] = [];
      const drain = async () => {
        if (batch.length === 0) return;
        emit(
          batch,
          await scoreIdeas(
            batch.map((b) => b.text),
            { model },
          ),
        );
        batch = [];
      };
      let mode: "jsonl" | "text" | null = null;
      const textLines: string[] = [];
      try {
        for await (const l of boundedLines(input, maxBytes)) {
          if ("tooLong" in l) {
            if (mode === "text") throw new IdeasteerError("E_INPUT_TOO_LARGE", `${name}: line ${l.line} too long`);
            report(l.line, `line of ${l.tooLong} bytes is over the limit of ${maxBytes}; skipped`);
            mode ??= "jsonl";
            continue;
          }
          if (mode === null && l.text.trim() !== "") mode = l.text.trimStart().startsWith("{") ? "jsonl" : "text";
          if (mode === "text") {
            textLines.push(l.text);
            continue;
          }
          if (l.text.trim() === "") continue;
          const item = parseLine(l.text);
          if (typeof item === "string") {
            report(l.line, item);
            continue;
          }
          batch.push(item);
          if (batch.length >= BATCH) await drain();
        }
      } catch (e) {
        if (e instanceof IdeasteerError) throw e;
        throw new IdeasteerError("E_INPUT", `cannot read ${name}: ${errorMessage(e)}`, {
          hint: 'pass a readable file, or "-" for stdin',
        });
      }
      if (mode === "text") {
        const text = textLines.join("\n").trim();
        if (text.length > MAX_IDEA_CHARS)
          throw new IdeasteerError(
            "E_INPUT_TOO_LARGE",
            `${name}: ${text.length} characters; an idea may have ${MAX_IDEA_CHARS}`,
          );
        batch.push({ id: file === "-" ? "stdin" : basename(file), text });
      }
      await drain();
      if (!flags.json) printTable(rows);
      if (bad > 0) {
        log.warn(`${bad} bad line(s) skipped`);
        process.exitCode = 1;
      }
    });
};

/** One JSONL line to an item, or the reason it is bad. */
function parseLine(text: string): Item | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  const r = ScoreLine.safeParse(value);
  if (!r.success) return 'expected {"id","title","abstract"} or {"id","idea"}';
  const v = r.data;
  const idea = "idea" in v ? v.idea : abstractAsIdea(v.title, v.abstract);
  if (idea.length > MAX_IDEA_CHARS) return `${idea.length} characters; an idea may have ${MAX_IDEA_CHARS}`;
  return { id: v.id, text: idea };
}

function printTable(rows: [string, ...string[]][]) {
  const header: [string, ...string[]] = ["id", ...DIMENSIONS];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] as string).length)));
  for (const r of all)
    process.stdout.write(
      `${r.map((x, c) => (c === 0 ? x.padEnd(widths[c] as number) : x.padStart(widths[c] as number))).join("  ")}\n`,
    );
}
