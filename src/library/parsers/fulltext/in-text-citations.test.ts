import assert from "node:assert/strict";
import { test } from "node:test";
import { citationStyle, countInTextCitations, firstAuthorSurname, firstYear } from "./in-text-citations.js";
import type { ListedReference } from "./references.js";

const numbered = (n: number): ListedReference[] =>
  Array.from({ length: n }, (_, i) => ({ index: i + 1, label: null, text: `Author ${i + 1}. Title. 2020.` }));

test("numeric citations: groups, ranges up to 30 wide, locators; math and out-of-range groups are not citations", () => {
  const refs = numbered(40);
  const body = [
    "Seen in [1], [1, 2] and [3-5] and [6–7].", // 1:2, 2:1, 3..7:1
    "A theorem [8, Section 7] and [8, Thm. 2].", // 8:2
    "Math: the interval [0, 1], the set [1, n], [41] is past the last reference.",
    "A 31-wide range [1-32] is not expanded: its ends count.", // 1:+1, 32:1
  ].join("\n");
  const counts = countInTextCitations(body, refs);
  assert.equal(citationStyle(refs), "numeric");
  assert.deepEqual(counts.slice(0, 9), [3, 1, 1, 1, 1, 1, 1, 2, 0]);
  assert.equal(counts[31], 1);
  assert.equal(counts[39], 0);
});

test("author-year: surname and year forms, suffixes, and the first-author/first-year rules", () => {
  assert.equal(firstAuthorSurname("Balaji, Y., Nah, S., and Huang, X. ediffi. 2022."), "Balaji");
  assert.equal(firstAuthorSurname("Jiawei Zhao, Zhenyu Zhang, and Yuandong Tian. Galore, 2024."), "Zhao");
  assert.equal(firstYear("Chen, J. Pixart. arXiv preprint arXiv:2310.00426 , 2023."), "2023");
  assert.equal(firstYear("Lee, A. Part one. 2019a."), "2019a");
  const refs: ListedReference[] = [
    { index: null, label: null, text: "Zhao, J., Zhang, Z. Galore. In ICML, 2024." },
    { index: null, label: null, text: "Kingma, D. P. and Ba, J. Adam. 2017." },
    { index: null, label: null, text: "Ho, J. Diffusion. 2020." },
    { index: null, label: null, text: "Nobody, N. Uncited. 2001." },
  ];
  const body =
    "GaLore [Zhao et al., 2024] and Adam [Kingma and Ba, 2017]; Zhao et al. (2024) again; Ho (2020a, 2020b).";
  assert.equal(citationStyle(refs), "author-year");
  // Ho 2020 has no exact mention, so it takes the suffixed ones.
  assert.deepEqual(countInTextCitations(body, refs), [2, 1, 2, 0]);
});
