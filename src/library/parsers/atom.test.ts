import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { InputError } from "../../core/index.js";
import { tempDir } from "../../testing/index.js";
import { parseAtom } from "./atom.js";
import type { ParsedItem } from "./parsed-item.js";

async function collect(items: AsyncIterable<ParsedItem>): Promise<ParsedItem[]> {
  const out: ParsedItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** An arXiv export API response as the API writes it (namespaces, opensearch totals, wrapped titles, LaTeX). */
const FEED = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query%3Dall%3Aidea%26id_list%3D%26start%3D0%26max_results%3D4" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=all:idea&amp;id_list=&amp;start=0&amp;max_results=4</title>
  <id>http://arxiv.org/api/Vd7Tq0gSR0wGpKYjKhvY6sY3sBk</id>
  <updated>2024-12-20T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">4213</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">4</opensearch:itemsPerPage>
  <entry>
    <id>http://arxiv.org/abs/2412.14626v1</id>
    <updated>2024-12-19T08:28:18Z</updated>
    <published>2024-12-19T08:28:18Z</published>
    <title>Learning to Generate Research Idea with Dynamic Control</title>
    <summary>  The rapid advancements in large language models (LLMs) have demonstrated
their potential to accelerate scientific discovery, particularly in automating
the process of research ideation.
</summary>
    <author>
      <name>Ruochen Li</name>
    </author>
    <author>
      <name>Liqiang Jing</name>
    </author>
    <author>
      <name>Xinya Du</name>
    </author>
    <link href="http://arxiv.org/abs/2412.14626v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2412.14626v1" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.AI" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/2301.00001v3</id>
    <updated>2023-03-01T10:00:00Z</updated>
    <published>2023-01-01T10:00:00Z</published>
    <title>Bounds for $\\ell_1$-Regularised Learning
  in $\\mathbb{R}^d$ with \\emph{Heavy} Tails &amp; Outliers</title>
    <summary>We prove $O(\\sqrt{n})$ bounds in Hoeffding&#8217;s setting.</summary>
    <author><name>A. Author</name></author>
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">12 pages</arxiv:comment>
    <link href="http://arxiv.org/abs/2301.00001v3" rel="alternate" type="text/html"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="stat.ML" scheme="http://arxiv.org/schemas/atom"/>
    <category term="stat.ML" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/2302.00002v1</id>
    <published>2023-02-02T10:00:00Z</published>
    <summary>An entry whose title went missing.</summary>
    <author><name>B. Author</name></author>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/hep-ex/0307015v1</id>
    <published>2003-07-07T13:46:39-04:00</published>
    <title>Multi-Electron Production at High Transverse Momenta in ep Collisions at
  HERA</title>
    <summary>Multi-electron production is studied at high electron transverse momentum.</summary>
    <author><name>H1 Collaboration</name></author>
    <arxiv:journal_ref xmlns:arxiv="http://arxiv.org/schemas/atom">Eur.Phys.J. C31 (2003) 17-29</arxiv:journal_ref>
    <link href="http://arxiv.org/abs/hep-ex/0307015v1" rel="alternate" type="text/html"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="hep-ex" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
`;

test("atom: an arXiv API response yields its entries; a missing title is an error item with its line", async (t) => {
  const file = join(tempDir(t), "query.xml");
  writeFileSync(file, FEED);
  const items = await collect(parseAtom({ file }));
  assert.equal(items.length, 4);
  const [first, second, third, fourth] = items;

  assert.equal(first.kind, "paper");
  if (first.kind === "paper") {
    assert.deepEqual(first.paper, {
      id: "arxiv/2412.14626",
      title: "Learning to Generate Research Idea with Dynamic Control",
      abstract:
        "The rapid advancements in large language models (LLMs) have demonstrated their potential to accelerate scientific discovery, particularly in automating the process of research ideation.",
      venue: "arXiv",
      year: 2024,
      authors: ["Ruochen Li", "Liqiang Jing", "Xinya Du"],
      keywords: ["cs.CL", "cs.AI"],
      citations: null,
      url: "http://arxiv.org/abs/2412.14626v1",
      sections: {},
      references: [],
      source: "atom",
      dupIds: [],
    });
    assert.equal(first.location.line, 10);
  }
  assert.equal(second.kind, "paper");
  if (second.kind === "paper") {
    // Whitespace and newlines collapsed, LaTeX kept, XML entities decoded.
    assert.equal(
      second.paper.title,
      "Bounds for $\\ell_1$-Regularised Learning in $\\mathbb{R}^d$ with \\emph{Heavy} Tails & Outliers",
    );
    assert.equal(second.paper.id, "arxiv/2301.00001");
    assert.equal(second.paper.abstract, "We prove $O(\\sqrt{n})$ bounds in Hoeffding’s setting.");
    assert.deepEqual(second.paper.keywords, ["stat.ML", "cs.LG"]);
  }
  assert.equal(third.kind, "error");
  if (third.kind === "error") {
    assert.ok(third.error instanceof InputError);
    assert.equal(third.error.location.line, 48);
    assert.match(third.error.message, /query\.xml:line 48.*arxiv\/2302\.00002 has no title/);
  }
  assert.equal(fourth.kind, "paper");
  if (fourth.kind === "paper") {
    assert.equal(fourth.paper.id, "arxiv/hep-ex/0307015");
    assert.equal(fourth.paper.title, "Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA");
    assert.equal(fourth.paper.year, 2003);
    assert.deepEqual(fourth.paper.authors, ["H1 Collaboration"]);
  }
});

test("atom: the API's error entry is an error item; malformed XML and non-feeds throw naming the file", async () => {
  const apiError = `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345v1v1</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.12345v1v1</summary>
  </entry>
</feed>`;
  const items = await collect(parseAtom({ file: "err.xml", stream: Readable.from([Buffer.from(apiError)]) }));
  assert.equal(items.length, 1);
  assert.ok(items[0].kind === "error" && /returned an error entry: incorrect id format/.test(items[0].error.message));

  const truncated = FEED.slice(0, 1500);
  await assert.rejects(
    collect(parseAtom({ file: "cut.xml", stream: Readable.from([Buffer.from(truncated)]) })),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /^cut\.xml:line \d+: not well-formed XML/);
      return true;
    },
  );
  await assert.rejects(
    collect(parseAtom({ file: "rss.xml", stream: Readable.from([Buffer.from("<rss><channel/></rss>")]) })),
    /rss\.xml: not an Atom feed/,
  );
});
