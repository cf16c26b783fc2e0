import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { InputError } from "../../core/index.js";
import { tempDir } from "../../testing/index.js";
import { titleId } from "../normalize-title.js";
import type { ParsedItem } from "./parsed-item.js";
import { createPdfParser, parsePdf } from "./pdf.js";
import { buildPdf, layoutPages, type PdfBlock } from "./pdf-fixture.js";

async function collect(items: AsyncIterable<ParsedItem>): Promise<ParsedItem[]> {
  const out: ParsedItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const heading = (text: string): PdfBlock => ({ text, size: 12, bold: true, gapBefore: 10 });
const para = (text: string): PdfBlock => ({ text, size: 10, gapBefore: 4 });

/** A four-page paper in the usual layout: title, authors, abstract, numbered sections with [n] citations, references. */
const PAPER: PdfBlock[] = [
  { text: "Steering Research Ideas with Dimensional Controllers", size: 17, bold: true },
  { text: "Ada Lovelace, Analytical Engines Ltd.", size: 10, gapBefore: 8 },
  heading("Abstract"),
  para(
    "We propose a method that steers generated research ideas along novelty, feasibility and effectiveness. " +
      "Controllers added to the residual stream shift each dimension while a sentence-level decoder sets their strengths.",
  ),
  heading("1 Introduction"),
  para(
    "Large language models can propose research ideas [1, 2]. Yet the trade-off between novelty and feasibility is rarely " +
      "controlled [3]. Prior steering work [2-4] adds vectors to hidden states. The interval [0, 1] is not a citation.",
  ),
  heading("2 Related Work"),
  para("Idea generation with retrieval was studied by [4]. Reward models for feedback follow [5]."),
  heading("3 Method"),
  para("We train three reward models and one controller per dimension, as in [1]."),
  heading("3.1 Sentence-level Decoder"),
  para("At each sentence boundary a small network outputs strengths for the next sentence [5]."),
  heading("4 Experiments"),
  para("We evaluate on held-out papers and report hypervolume against the static baseline [3]."),
  heading("5 Conclusion"),
  para("Steering works."),
  heading("References"),
  para("[1] R. Li, L. Jing, and X. Du. Learning to generate research ideas with dynamic control. arXiv, 2024."),
  para("[2] A. Turner et al. Activation addition: steering language models without optimization. 2023."),
  para(
    "[3] C. Si, D. Yang, and T. Hashimoto. Can LLMs generate novel research ideas? A large-scale human study with 100+ NLP researchers. 2024.",
  ),
  para("[4] J. Baek et al. ResearchAgent: iterative research idea generation over scientific literature. 2024."),
  para("[5] L. Ouyang et al. Training language models to follow instructions with human feedback. NeurIPS, 2022."),
];

test("pdf: a hand-written multi-page PDF yields title, abstract, sections and references with in-text counts", async (t) => {
  const pages = layoutPages(PAPER, { charsPerLine: 80, linesPerPage: 14 });
  assert.ok(pages.length >= 3, `fixture has ${pages.length} pages`);
  const file = join(tempDir(t), "paper.pdf");
  writeFileSync(file, buildPdf(pages));
  const items = await collect(parsePdf({ file }));
  assert.equal(items.length, 1);
  const item = items[0];
  assert.equal(item.kind, "paper", item.kind === "error" ? item.error.message : "");
  if (item.kind !== "paper") return;
  const p = item.paper;
  assert.equal(p.title, "Steering Research Ideas with Dimensional Controllers");
  assert.equal(p.id, titleId(p.title));
  assert.equal(p.source, "pdf");
  assert.equal(
    p.abstract,
    "We propose a method that steers generated research ideas along novelty, feasibility and effectiveness. Controllers added to the residual stream shift each dimension while a sentence-level decoder sets their strengths.",
  );
  assert.match(
    p.sections.introduction ?? "",
    /^Large language models can propose research ideas \[1, 2\]\. Yet the trade-off/,
  );
  assert.equal(
    p.sections.relatedWork,
    "Idea generation with retrieval was studied by [4]. Reward models for feedback follow [5].",
  );
  assert.equal(
    p.sections.method,
    "We train three reward models and one controller per dimension, as in [1].\n\n3.1 Sentence-level Decoder\n\nAt each sentence boundary a small network outputs strengths for the next sentence [5].",
  );
  assert.equal(
    p.sections.experiments,
    "We evaluate on held-out papers and report hypervolume against the static baseline [3].",
  );
  assert.deepEqual(
    p.references.map((r) => [r.index, r.inTextCount]),
    [
      [1, 2],
      [2, 2],
      [3, 3],
      [4, 2],
      [5, 2],
    ],
  );
  // A reference wrapped over two PDF lines is one item.
  assert.match(
    p.references[2].text,
    /^C\. Si, D\. Yang, and T\. Hashimoto\. Can LLMs generate novel research ideas\? .*researchers\. 2024\.$/,
  );
});

test("pdf: encrypted, not a PDF, truncated, and over the page cap are InputErrors naming the file", async (t) => {
  const dir = tempDir(t);
  const reject = async (name: string, bytes: Buffer, pattern: RegExp, parser = parsePdf) => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    await assert.rejects(collect(parser({ file })), (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.ok(e.message.startsWith(file), e.message);
      assert.match(e.message, pattern);
      return true;
    });
  };
  const pages = layoutPages(PAPER, { charsPerLine: 80, linesPerPage: 14 });
  const good = buildPdf(pages);
  await reject("locked.pdf", buildPdf(pages, { encrypted: true }), /encrypted PDF/);
  await reject("notes.pdf", Buffer.from("Just some notes, saved with the wrong extension.\n"), /not a PDF/);
  await reject("cut.pdf", good.subarray(0, Math.floor(good.length * 0.6)), /truncated PDF/);
  await reject(
    "long.pdf",
    good,
    /has \d+ pages, more than the limit of 2/,
    createPdfParser({ maxBytes: 1 << 20, maxPages: 2 }),
  );
  await reject("big.pdf", good, /larger than the \d+-byte limit/, createPdfParser({ maxBytes: 1024, maxPages: 100 }));
  // A PDF header followed by garbage: pdf.js cannot find any structure.
  await reject(
    "garbage.pdf",
    Buffer.from("%PDF-1.7\nthis is not a pdf body at all\n%%EOF\n"),
    /(not a valid PDF|cannot read PDF)/,
  );
});

test("pdf: a two-column page is read column by column, under a full-width title", async () => {
  const title: PdfBlock[] = [{ text: "Two Columns of Careful Reading for Layout-aware Parsers", size: 17, bold: true }];
  const left: PdfBlock[] = [
    heading("Abstract"),
    para("Left column abstract text that is long enough to wrap over a few lines of the narrow column."),
    heading("1 Introduction"),
    para("The introduction cites [1] and continues in the left column only, line after line, until it ends."),
  ];
  const right: PdfBlock[] = [
    heading("2 Method"),
    para("The method sits in the right column and cites [2] twice [2]."),
    heading("References"),
    para("[1] A. Left. A left paper. 2020."),
    para("[2] B. Right. A right paper. 2021."),
  ];
  const opts = { charsPerLine: 40, linesPerPage: 60, topY: 680 };
  const page = [
    ...layoutPages(title, { charsPerLine: 80, linesPerPage: 60 })[0],
    ...layoutPages(left, { ...opts, x: 72 })[0],
    ...layoutPages(right, { ...opts, x: 320 })[0],
  ];
  const items = await collect(parsePdf({ file: "-", stream: Readable.from([buildPdf([page])]) }));
  assert.equal(items[0].kind, "paper");
  if (items[0].kind !== "paper") return;
  const p = items[0].paper;
  assert.equal(p.title, "Two Columns of Careful Reading for Layout-aware Parsers");
  assert.equal(
    p.abstract,
    "Left column abstract text that is long enough to wrap over a few lines of the narrow column.",
  );
  assert.equal(
    p.sections.introduction,
    "The introduction cites [1] and continues in the left column only, line after line, until it ends.",
  );
  assert.equal(p.sections.method, "The method sits in the right column and cites [2] twice [2].");
  assert.deepEqual(
    p.references.map((r) => [r.index, r.inTextCount]),
    [
      [1, 1],
      [2, 2],
    ],
  );
});

test("pdf: reads from a stream", async () => {
  const bytes = buildPdf(layoutPages(PAPER, { charsPerLine: 80, linesPerPage: 40 }));
  const items = await collect(parsePdf({ file: "-", stream: Readable.from([bytes]) }));
  assert.equal(items[0].kind === "paper" && items[0].paper.references.length, 5);
});
