import assert from "node:assert/strict";
import { createReadStream, readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { test } from "node:test";
import { createGunzip } from "node:zlib";
import { InputError } from "../../core/index.js";
import { requireSharedData, sharedPath } from "../../testing/index.js";
import { normalizeTitle, titleId } from "../normalize-title.js";
import type { Paper } from "../paper.js";
import { parseFullText, unescapeHtml } from "./fulltext/index.js";
import { markdownItem, markdownLines, parseMarkdown } from "./markdown.js";
import type { ParsedItem } from "./parsed-item.js";

type SharedReference = { index: number | null; label: string | null; text: string; in_text_count: number };
type SharedCitations = {
  citing_id: string;
  method_fallback: boolean;
  sections: Record<string, string | null>;
  section_headings: Record<string, string | null>;
  references: SharedReference[];
};

/** Records of a sorted shared .jsonl.gz whose id is in `ids`; stops once past the largest id. */
async function sharedRecords<T>(file: string, idField: string, ids: Set<string>): Promise<Map<string, T>> {
  const last = [...ids].sort().at(-1) ?? "";
  const out = new Map<string, T>();
  const rl = createInterface({ input: createReadStream(sharedPath(file)).pipe(createGunzip()), crlfDelay: Infinity });
  const idRe = new RegExp(`^\\{"${idField}":\\s*"([^"]+)"`);
  for await (const line of rl) {
    const id = idRe.exec(line)?.[1];
    if (id === undefined) continue;
    if (ids.has(id)) out.set(id, JSON.parse(line) as T);
    if (id > last) break;
  }
  rl.close();
  return out;
}

const SECTION_KEYS = {
  introduction: "introduction",
  relatedWork: "related_work",
  method: "method",
  experiments: "experiments",
} as const;
const squash = (s: string): string => unescapeHtml(s).replace(/\s+/g, " ").trim();

async function collect(items: AsyncIterable<ParsedItem>): Promise<ParsedItem[]> {
  const out: ParsedItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

test("markdown full texts agree with the shared citations data on references, in-text counts, sections and titles", async (t) => {
  if (!requireSharedData(t)) return;
  const dir = sharedPath("fulltext-sample");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".pdf.md"))
    .sort();
  assert.equal(files.length, 40);
  const ids = new Set(files.map((f) => `neurips2025/${f.replace(/\.pdf\.md$/, "")}`));
  const [expected, papers] = await Promise.all([
    sharedRecords<SharedCitations>("citations.jsonl.gz", "citing_id", ids),
    sharedRecords<{ title: string }>("papers.jsonl.gz", "id", ids),
  ]);
  assert.equal(expected.size, 40);

  let sameRefCount = 0;
  let countsCompared = 0;
  let countsAgree = 0;
  let sectionsExpected = 0;
  let sectionsAgree = 0;
  let titlesRight = 0;
  let headingsAgree = 0;
  let fallbacksAgree = 0;
  for (const f of files) {
    const id = `neurips2025/${f.replace(/\.pdf\.md$/, "")}`;
    const items = await collect(parseMarkdown({ file: `${dir}/${f}` }));
    assert.equal(items.length, 1, f);
    const item = items[0];
    assert.equal(item.kind, "paper", f);
    if (item.kind !== "paper") continue;
    const paper: Paper = item.paper;
    const exp = expected.get(id);
    assert.ok(exp, id);

    assert.equal(paper.source, "markdown");
    assert.equal(paper.id, titleId(paper.title));
    assert.ok(paper.abstract.split(" ").length >= 40, `${f}: abstract too short: ${paper.abstract.slice(0, 80)}`);
    const want = normalizeTitle(papers.get(id)?.title ?? "");
    const got = normalizeTitle(paper.title);
    if (got === want || (want.length > 20 && got.startsWith(want.slice(0, 30)))) titlesRight++;

    // References: same list length, and per reference (by printed number where numbered, else by position) the same count.
    if (paper.references.length === exp.references.length) sameRefCount++;
    const numbered = exp.references.every((r) => r.index !== null);
    for (const [i, r] of exp.references.entries()) {
      const mine = numbered ? paper.references.find((p) => p.index === r.index) : paper.references[i];
      countsCompared++;
      if (mine && mine.inTextCount === r.in_text_count) countsAgree++;
    }
    // Sections: where the shared data found one, ours starts with the same text (it kept the first 4,000
    // characters, entities not unescaped) under the same heading; the method fallback is used alike.
    const full = parseFullText(markdownLines(readFileSync(`${dir}/${f}`, "utf8")));
    if (full.methodFallback === exp.method_fallback) fallbacksAgree++;
    for (const [name, key] of Object.entries(SECTION_KEYS)) {
      const theirs = exp.sections[key];
      if (theirs === null) continue;
      sectionsExpected++;
      const ours = paper.sections[name as keyof typeof SECTION_KEYS];
      if (ours && squash(ours).startsWith(squash(theirs).slice(0, 300))) sectionsAgree++;
      if (
        squash(full.sectionHeadings[name as keyof typeof SECTION_KEYS] ?? "") ===
        squash(exp.section_headings[key] ?? "")
      ) {
        headingsAgree++;
      }
    }
  }
  const countRate = countsAgree / countsCompared;
  t.diagnostic(
    `titles ${titlesRight}/40, reference counts ${sameRefCount}/40, in-text counts ${countsAgree}/${countsCompared} (${(100 * countRate).toFixed(1)}%), sections ${sectionsAgree}/${sectionsExpected}, headings ${headingsAgree}/${sectionsExpected}, method fallback ${fallbacksAgree}/40`,
  );
  // Measured: titles 40/40 (one matched on its first 30 letters: its title changed after submission), reference
  // counts 39/40 (the shared data split one wrapped line into an extra item), in-text counts 99.2%, sections,
  // headings 153/153, method fallback 40/40. Margins leave room for small heuristic changes, not for a broken parser.
  assert.ok(titlesRight >= 36, `titles right: ${titlesRight}/40`);
  assert.ok(sameRefCount >= 37, `files with the same number of references: ${sameRefCount}/40`);
  assert.ok(countRate >= 0.95, `in-text count agreement ${countRate}`);
  assert.ok(sectionsAgree / sectionsExpected >= 0.93, `sections agree ${sectionsAgree}/${sectionsExpected}`);
  assert.ok(headingsAgree / sectionsExpected >= 0.93, `section headings agree ${headingsAgree}/${sectionsExpected}`);
  assert.ok(fallbacksAgree >= 37, `method fallback agrees ${fallbacksAgree}/40`);
});

test("markdown: title, abstract, sections and counts on a small document with NULs and placeholders", () => {
  const md = [
    "## A Tiny Paper:",
    "## With a Subtitle",
    "Ada Author",
    "## Abstract",
    "We study \u0000tiny things &amp; show results.",
    "## 1 Introduction",
    "Tiny things matter [1, 2]. See also [2-3] and the interval [0, 1].",
    "<!-- image -->",
    "## 2 Related Work",
    "Prior art [3].",
    "## 3 Our Method: Tiny",
    "We do it.",
    "```",
    "# a code comment, not a heading",
    "```",
    "## 3.1 Details",
    "<!-- formula-not-decoded -->",
    "More [1].",
    "## 4 Experiments",
    "It works [4] (not a reference: 4 > max index 3).",
    "## 5 Conclusion",
    "Done.",
    "## References",
    "- [1] A. One. First paper. 2020.",
    "- [2] B. Two. Second paper,",
    "continued on the next line. 2021.",
    "- [3] C. Three. Third paper. 2022.",
  ].join("\n");
  const item = markdownItem("tiny.md", md);
  assert.equal(item.kind, "paper");
  if (item.kind !== "paper") return;
  const p = item.paper;
  assert.equal(p.title, "A Tiny Paper: With a Subtitle");
  assert.equal(p.abstract, "We study tiny things & show results.");
  assert.equal(p.sections.introduction, "Tiny things matter [1, 2]. See also [2-3] and the interval [0, 1].");
  assert.equal(p.sections.relatedWork, "Prior art [3].");
  assert.equal(
    p.sections.method,
    "We do it.\n\n```\n\n# a code comment, not a heading\n\n```\n\n3.1 Details\n\nMore [1].",
  );
  assert.equal(p.sections.experiments, "It works [4] (not a reference: 4 > max index 3).");
  assert.deepEqual(
    p.references.map((r) => [r.index, r.inTextCount, r.text]),
    [
      [1, 2, "A. One. First paper. 2020."],
      [2, 2, "B. Two. Second paper, continued on the next line. 2021."],
      [3, 2, "C. Three. Third paper. 2022."],
    ],
  );
});

test("markdown: author-year and labelled reference styles", () => {
  const authorYear = markdownItem(
    "ay.md",
    [
      "## Author Year Paper",
      "## Abstract",
      "Abstract text.",
      "## 1 Introduction",
      "As Smith et al. (2020) and Lee and Park [2019a] showed, and again (Smith et al., 2020; Doe, 2018).",
      "Lee and Park (2019a, 2019b) agree.",
      "## References",
      "- Smith, J., Jones, K., and Brown, L. A study. In NeurIPS, 2020.",
      "- Jane Doe. Another study. arXiv:2001.01234, 2018.",
      "- Lee, A. and Park, B. Part one. 2019a.",
      "- Lee, A. and Park, B. Part two. 2019b.",
    ].join("\n"),
  );
  assert.equal(authorYear.kind, "paper");
  if (authorYear.kind === "paper")
    assert.deepEqual(
      authorYear.paper.references.map((r) => r.inTextCount),
      [2, 1, 2, 1],
    );

  const labelled = markdownItem(
    "label.md",
    [
      "## Label Paper",
      "## Abstract",
      "Text.",
      "## 1 Introduction",
      "Known [AV24, Bac10] and [AV24].",
      "## References",
      "- [AV24] F. Alimisis. Geodesic convexity. 2024.",
      "- [Bac10] F. Bach. Self-concordance. 2010.",
      "- [Zed99] Z. Zed. Never cited. 1999.",
    ].join("\n"),
  );
  assert.equal(labelled.kind, "paper");
  if (labelled.kind === "paper") {
    assert.deepEqual(
      labelled.paper.references.map((r) => [r.label, r.inTextCount]),
      [
        ["AV24", 2],
        ["Bac10", 1],
        ["Zed99", 0],
      ],
    );
  }
});

test("markdown: an empty file is an error item, a binary one throws, both naming the file; streams are read", async (t) => {
  const empty = await collect(parseMarkdown({ file: "empty.md", stream: Readable.from([Buffer.from("\n\n")]) }));
  assert.equal(empty.length, 1);
  assert.equal(empty[0].kind, "error");
  if (empty[0].kind === "error") {
    assert.ok(empty[0].error instanceof InputError);
    assert.match(empty[0].error.message, /^empty\.md:line 1: no title/);
  }
  await assert.rejects(
    collect(
      parseMarkdown({
        file: "scan.md",
        stream: Readable.from([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, 0xfe, 0, 0, 0xc3])]),
      }),
    ),
    /^InputError: scan\.md:byte 0: not a Markdown text file/,
  );
  if (!requireSharedData(t)) return;
  const sample = readFileSync(sharedPath("fulltext-sample", "09BPzrMcKg.pdf.md"));
  const viaStream = await collect(parseMarkdown({ file: "-", stream: Readable.from([sample]) }));
  assert.equal(viaStream[0].kind, "paper");
});
