import assert from "node:assert/strict";
import { test } from "node:test";
import { parseReferenceList } from "./references.js";

test("reference lists: bracket numbers, continuation lines, margin line numbers, a wrapped line that starts with a dash", () => {
  const refs = parseReferenceList([
    "- [1] A. One. First paper. 2020.",
    "- [2] B. Two. A paper whose entry wraps",
    "onto a second line. 2021.",
    "278",
    "- [3] C. Three. Proceedings of the workshop,",
    "- International Workshops, 2006. Proceedings.",
    "",
    "[4] D. Four, without a list marker. 2019.",
  ]);
  assert.deepEqual(refs, [
    { index: 1, label: null, text: "A. One. First paper. 2020." },
    { index: 2, label: null, text: "B. Two. A paper whose entry wraps onto a second line. 2021." },
    {
      index: 3,
      label: null,
      text: "C. Three. Proceedings of the workshop, International Workshops, 2006. Proceedings.",
    },
    { index: 4, label: null, text: "D. Four, without a list marker. 2019." },
  ]);
});

test("reference lists: labels, dot numbers, plain bullets, tables, and unmarked paragraphs", () => {
  assert.deepEqual(
    parseReferenceList(["- [AV24] F. Alimisis. Convexity. 2024.", "- [Bac10] F. Bach. Self-concordance. 2010."]).map(
      (r) => r.label,
    ),
    ["AV24", "Bac10"],
  );
  assert.deepEqual(
    parseReferenceList(["1. A. One. Title. 2020.", "2. B. Two. Title,", "2006. Proceedings."]).map((r) => [
      r.index,
      r.text,
    ]),
    [
      [1, "A. One. Title. 2020."],
      [2, "B. Two. Title, 2006. Proceedings."],
    ],
  );
  assert.deepEqual(
    parseReferenceList(["- Balaji, Y. ediffi. 2022.", "- Brown, T. Language models. 2020."]).map((r) => [
      r.index,
      r.text,
    ]),
    [
      [null, "Balaji, Y. ediffi. 2022."],
      [null, "Brown, T. Language models. 2020."],
    ],
  );
  assert.deepEqual(
    parseReferenceList(["| [1] | A. One. Title. 2020. |", "|---|---|", "| [2] | B. Two. Title. 2021. |"]).map((r) => [
      r.index,
      r.text,
    ]),
    [
      [1, "A. One. Title. 2020."],
      [2, "B. Two. Title. 2021."],
    ],
  );
  assert.equal(parseReferenceList(["Smith, J. One. 2020.", "Jones, K. Two. 2021."]).length, 2);
});
