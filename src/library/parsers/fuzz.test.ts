import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import fc from "fast-check";
import { IdeasteerError } from "../../core/index.js";
import { PARSERS } from "../parser-table.js";
import type { Parser } from "./parsed-item.js";

/**
 * Property-based fuzzing of every parser (issue 14, widen the net): for any input text, built from the
 * format's own tokens and arbitrary unicode, a parser yields papers or typed error items, throws
 * nothing but an IdeasteerError, and ends within a time bound. Fixed seed and run count, so the suite
 * stays repeatable and its cost fixed (~1-2 s).
 */
const TOKENS: Record<string, string[]> = {
  jsonl: ['{"id":"a","title":"T","abstract":"', '"}', "\n", "{", "}", '"', "\\", ":", ",", "null", "[", "]", "\u0000"],
  listing: ["Title line\n\n", "word ".repeat(35), "\n", "\n\n", "\r\n", "\t"],
  atom: [
    "<feed>",
    "</feed>",
    "<entry>",
    "</entry>",
    "<title>",
    "</title>",
    "<summary>",
    "</summary>",
    "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    "&e;",
    "<![CDATA[",
    "]]>",
  ],
  bibtex: ["@article{k,", "title={", "}", "abstract = {", "@string{", '"', ",\n", "@comment{", "{{{{"],
  markdown: [
    "# Title\n",
    "## Abstract\n",
    "## References\n",
    "[1] A. Author. Paper. 2020.\n",
    "(1)",
    "[12]",
    "\n",
    "|a|b|\n",
  ],
  pdf: [
    "%PDF-1.7\n",
    "1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "trailer\n<< /Root 1 0 R >>\n",
    "%%EOF",
    "stream\n",
    "endstream\n",
  ],
};
const MAX_MS_PER_INPUT = 3_000;

/** Parses one small input and ignores the outcome. */
async function warmUp(parse: Parser): Promise<void> {
  try {
    for await (const item of parse({
      file: "warm-up",
      stream: Readable.from([Buffer.from("%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n")]),
    }))
      void item;
  } catch (e) {
    assert.ok(e instanceof IdeasteerError);
  }
}

const inputFor = (tokens: string[]) =>
  fc
    .array(fc.oneof(fc.constantFrom(...tokens), fc.string({ unit: "binary", maxLength: 40 })), { maxLength: 60 })
    .map((parts) => parts.join(""));

for (const [format, load] of Object.entries(PARSERS)) {
  test(`fuzz: the ${format} parser yields papers or typed errors, never crashes or hangs`, async () => {
    const parse = await load();
    await warmUp(parse); // the first call loads the format's library (pdfjs: seconds): not what the bound is about
    await fc.assert(
      fc.asyncProperty(inputFor(TOKENS[format] ?? []), async (text) => {
        const t0 = performance.now();
        let items = 0;
        try {
          for await (const item of parse({
            file: `fuzz.${format}`,
            stream: Readable.from([Buffer.from(text)]),
            maxLineBytes: 1 << 16,
          })) {
            assert.ok(item.kind === "paper" || item.error instanceof IdeasteerError, "error items are typed");
            if (item.kind === "paper") assert.equal(typeof item.paper.title, "string");
            items++;
          }
        } catch (e) {
          assert.ok(e instanceof IdeasteerError, `only typed errors escape: ${String(e)}`);
        }
        const ms = performance.now() - t0;
        assert.ok(ms < MAX_MS_PER_INPUT, `${ms.toFixed(0)} ms for ${text.length} characters`);
        assert.ok(items <= text.length + 1, "no item without input");
      }),
      { seed: 20261205, numRuns: format === "pdf" ? 25 : 60 },
    );
  });
}
