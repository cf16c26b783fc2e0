import assert from "node:assert/strict";
import { test } from "node:test";
import type { Idea } from "../idea/index.js";
import { newPaper } from "../library/index.js";
import { composeDigestEmail, escapeHtml, paperLink, type Subscription } from "./index.js";

const subscription: Subscription = {
  id: 7,
  query: 'diffusion "models"',
  email: "ada@example.org",
  weights: { novelty: 0.5, feasibility: 0.25, effectiveness: 0.25 },
  ideasPerPaper: 1,
  maxPapers: 1,
  token: "0123456789abcdef0123456789abcdef",
  cursorPk: 0,
  createdAt: "2025-01-01T00:00:00.000Z",
  unsubscribedAt: null,
};
const idea: Idea = {
  title: "Guided <img src=x onerror=alert(1)> sampling",
  method: 'Use the "reward" & the guidance.',
  experimentPlan: { datasets: "CIFAR-10", baselines: "DDPM", evaluation: "FID" },
};

test("paper and idea text is HTML-escaped, links come only from http(s), and the unsubscribe link travels as headers", () => {
  const paper = newPaper({
    id: "arxiv/2501.00001",
    title: "Steering <script>alert(1)</script> Diffusion",
    source: "atom",
    url: 'javascript:alert("x")',
  });
  const email = composeDigestEmail({
    subscription,
    papers: [{ paper, ideas: [{ idea, scores: { novelty: 0.6, feasibility: 0.4, effectiveness: 0.2 } }] }],
    matched: 3,
    publicUrl: "https://ideas.example.org/",
  });
  const url = "https://ideas.example.org/digest/unsubscribe?token=0123456789abcdef0123456789abcdef";
  assert.equal(email.unsubscribeUrl, url);
  assert.deepEqual(email.headers["List-Unsubscribe"], `<${url}>`);
  assert.equal(email.headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click");
  assert.ok(!/<script|<img/i.test(email.html), "no markup from paper or idea text");
  assert.match(email.html, /Steering &lt;script&gt;alert\(1\)&lt;\/script&gt; Diffusion/);
  assert.match(email.html, /Guided &lt;img src=x onerror=alert\(1\)&gt; sampling/);
  assert.match(email.html, /diffusion &quot;models&quot;/);
  assert.ok(!email.html.includes("javascript:"), "a javascript: URL is not linked");
  assert.match(email.html, /href="https:\/\/arxiv\.org\/abs\/2501\.00001"/, "the arXiv page instead");
  assert.match(email.text, /Steering <script>alert\(1\)<\/script> Diffusion/, "the text part is plain text");
  assert.match(
    email.text,
    /score 0\.45: novelty 0\.60, feasibility 0\.40, effectiveness 0\.20/,
    "w · s and each score",
  );
  assert.match(email.text, /2 more new papers matched/, "what the cap left out is counted, not dropped silently");
  assert.equal(email.subject, 'ideasteer digest: 1 new paper for "diffusion "models""');
});

test("a subject cannot carry a header break, and escapeHtml covers both attribute quotes", () => {
  const email = composeDigestEmail({
    subscription: { ...subscription, query: "a\r\nBcc: victim@example.org" },
    papers: [],
    matched: 0,
    publicUrl: "http://127.0.0.1:8080",
  });
  assert.ok(!/[\r\n]/.test(email.subject));
  assert.equal(escapeHtml(`<a href='x' title="y">&`), "&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;");
  assert.equal(
    paperLink(newPaper({ id: "t1", title: "T", source: "listing", url: "https://x.org/p" })),
    "https://x.org/p",
  );
  assert.equal(paperLink(newPaper({ id: "t1", title: "T", source: "listing", url: "data:text/html,hi" })), null);
});
