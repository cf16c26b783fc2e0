import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { test } from "node:test";
import { InputError } from "../../core/index.js";
import { requireSharedData, sharedPath } from "../../testing/index.js";
import { titleId } from "../normalize-title.js";
import { parseListing } from "./listing.js";
import type { ParsedItem } from "./parsed-item.js";

async function collect(items: AsyncIterable<ParsedItem>): Promise<ParsedItem[]> {
  const out: ParsedItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

test("listing: the real paper-listing page yields its 97 papers, without the page chrome", async (t) => {
  if (!requireSharedData(t)) return;
  const file = sharedPath("seed", "hf-papers-listing.txt");
  const items = await collect(parseListing({ file }));
  const errors = items.filter((i) => i.kind === "error");
  assert.deepEqual(errors, []);
  const papers = items.flatMap((i) => (i.kind === "paper" ? [i.paper] : []));
  // The page has 199 non-empty lines: 5 lines of chrome, then 97 title/abstract pairs.
  const nonEmpty = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim()).length;
  assert.equal(nonEmpty, 199);
  assert.equal(papers.length, 97);
  assert.equal(papers[0].title, "Learning to Generate Research Idea with Dynamic Control");
  assert.match(papers[0].abstract, /^The rapid advancements in large language models \(LLMs\)/);
  assert.equal(papers.at(-1)?.title, "Instruct-SkillMix: A Powerful Pipeline for LLM Instruction Tuning");
  assert.match(papers.at(-1)?.abstract ?? "", /^We introduce Instruct-SkillMix/);
  for (const chrome of [
    "new",
    "Subscribe",
    "Mar 11",
    "byAK and the research community",
    "Get trending papers in your email inbox!",
  ]) {
    assert.ok(!papers.some((p) => p.title === chrome || p.abstract === chrome), chrome);
  }
  assert.equal(new Set(papers.map((p) => p.id)).size, 97);
  assert.equal(papers[0].id, titleId(papers[0].title));
  assert.equal(papers[0].source, "listing");
  const first = items[0];
  assert.equal(first.kind === "paper" && first.location.line, 11);
});

test("listing: unpaired lines after the first paper are error items with their line; a stream works", async () => {
  const text = [
    "Subscribe",
    "",
    "Good Paper Title",
    "",
    `${"word ".repeat(40)}end.`,
    "",
    "Orphan Title Without Abstract",
    "",
    "Second Title",
    "",
    `${"other ".repeat(35)}end.`,
    "",
    `${"abstract ".repeat(31)}without a title.`,
  ].join("\n");
  const items = await collect(parseListing({ file: "page.txt", stream: Readable.from([Buffer.from(text)]) }));
  assert.deepEqual(
    items.map((i) => (i.kind === "paper" ? i.paper.title : `error line ${i.error.location.line}`)),
    ["Good Paper Title", "error line 7", "Second Title", "error line 13"],
  );
  const err = items[1];
  assert.ok(err.kind === "error" && err.error instanceof InputError);
  assert.match(err.kind === "error" ? err.error.message : "", /^page\.txt:line 7:.*title without an abstract/);
});
