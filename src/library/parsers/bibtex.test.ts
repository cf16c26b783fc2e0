import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../../core/index.js";
import { tempDir } from "../../testing/index.js";
import { titleId } from "../normalize-title.js";
import type { Paper } from "../paper.js";
import { parseBibtex } from "./bibtex.js";
import type { ParsedItem } from "./parsed-item.js";

async function collect(items: AsyncIterable<ParsedItem>): Promise<ParsedItem[]> {
  const out: ParsedItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A bibliography as people keep them: macros, several entry types, LaTeX accents, a broken entry, one without a title. */
const BIB = String.raw`% exported from a reference manager
@string{neurips = "Advances in Neural Information Processing Systems"}
@string{jmlr = {Journal of Machine Learning Research}}

@inproceedings{vaswani2017attention,
  title     = {Attention is All you Need},
  author    = {Vaswani, Ashish and Shazeer, Noam and Parmar, Niki and Uszkoreit, Jakob},
  booktitle = neurips,
  volume    = {30},
  year      = {2017},
  keywords  = {transformers, attention},
  url       = {https://papers.nips.cc/paper/7181-attention-is-all-you-need},
}

@article{mueller2021schroedinger,
  title    = {{Schr{\"o}dinger} Bridges and {\'E}tudes in \emph{Optimal} Transport},
  author   = {M{\"u}ller, J{\"o}rg and Garc{\'\i}a, Mar{\'\i}a and others},
  journal  = jmlr,
  year     = 2021,
  doi      = {10.5555/3546258.3546300},
  abstract = {We study entropic optimal transport with $\alpha$-divergences.},
}

@article{broken2020,
  title  = {An Unclosed {Brace,
  year   = 2020
}

@misc{li2024ldc,
  title         = {Learning to Generate Research Idea with Dynamic Control},
  author        = {Ruochen Li and Liqiang Jing and Xinya Du},
  year          = {2024},
  eprint        = {2412.14626v1},
  archivePrefix = {arXiv},
  primaryClass  = {cs.CL},
}

@book{knuth1984,
  author    = {Knuth, Donald E.},
  year      = {1984},
  publisher = {Addison-Wesley},
}

@phdthesis{doe2019,
  title  = {Learning Things},
  author = {Doe, Jane},
  school = {Example University},
  year   = {2019},
}
`;

test("bibtex: entries of several types become papers; a broken entry and a missing title are error items with lines", async (t) => {
  const file = join(tempDir(t), "refs.bib");
  writeFileSync(file, BIB);
  const items = await collect(parseBibtex({ file }));
  const summary = items.map((i) => (i.kind === "paper" ? i.paper.title : `error@${i.error.location.line}`));
  assert.deepEqual(summary, [
    "Attention is All you Need",
    "Schrödinger Bridges and Études in Optimal Transport",
    "error@24",
    "Learning to Generate Research Idea with Dynamic Control",
    "error@38",
    "Learning Things",
  ]);
  const papers = items.flatMap((i) => (i.kind === "paper" ? [i.paper] : []));
  const [vaswani, mueller, ldc, doe] = papers;
  assert.deepEqual(vaswani, {
    id: titleId("Attention is All you Need"),
    title: "Attention is All you Need",
    abstract: "",
    venue: "Advances in Neural Information Processing Systems",
    year: 2017,
    authors: ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit"],
    keywords: ["attention", "transformers"],
    citations: null,
    url: "https://papers.nips.cc/paper/7181-attention-is-all-you-need",
    sections: {},
    references: [],
    source: "bibtex",
    dupIds: [],
  } satisfies Paper);
  assert.deepEqual(mueller.authors, ["Jörg Müller", "María García"]);
  assert.equal(mueller.venue, "Journal of Machine Learning Research");
  assert.equal(mueller.url, "https://doi.org/10.5555/3546258.3546300");
  assert.equal(mueller.abstract, "We study entropic optimal transport with α-divergences.");
  assert.equal(ldc.id, "arxiv/2412.14626");
  assert.equal(doe.venue, null);
  assert.equal(items[0].kind === "paper" && items[0].location.line, 5);

  const broken = items[2];
  assert.ok(broken.kind === "error" && broken.error instanceof InputError);
  assert.match(
    broken.kind === "error" ? broken.error.message : "",
    /refs\.bib:line 24:byte \d+: bad BibTeX entry: Unterminated brace-value "An Unclosed \{Brace,\\n" in "article"$/,
  );
  const untitled = items[4];
  assert.match(untitled.kind === "error" ? untitled.error.message : "", /line 38.*@book\{knuth1984: no title/);
});
