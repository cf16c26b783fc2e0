import {
  DIMENSIONS,
  getIdeaField,
  IDEA_FIELDS,
  IDEA_LABELS,
  type Idea,
  type IdeaFieldPath,
  type Scores,
} from "../idea/index.js";
import { weightedScore } from "../ideas/index.js";
import type { Paper } from "../library/index.js";
import type { Subscription } from "./subscription.js";

/**
 * The digest email of one subscription. Paper text is untrusted (any feed or file a user added to the library) and
 * so is what the policy wrote from it: every such string is HTML-escaped in the HTML part, a link comes only from
 * an http(s) URL, and header values lose their control characters. The unsubscribe link also travels as the
 * List-Unsubscribe header with List-Unsubscribe-Post (RFC 8058 one-click), which `ideasteer serve` honours.
 */
export type DigestIdea = { idea: Idea; scores: Scores | null };
export type DigestPaper = { paper: Paper; ideas: DigestIdea[] }; // ideas best first by the subscriber's weights

export type DigestEmail = {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  unsubscribeUrl: string;
};

/** Subject, text and HTML of one digest: the papers (best match first) with their ideas and scores, the weights. */
export function composeDigestEmail(o: {
  subscription: Subscription;
  papers: DigestPaper[];
  matched: number; // new papers that matched in all; papers.length of them are in this email
  publicUrl: string;
}): DigestEmail {
  const { subscription: s, papers } = o;
  const unsubscribeUrl = `${o.publicUrl.replace(/\/+$/, "")}/digest/unsubscribe?token=${encodeURIComponent(s.token)}`;
  const count = `${papers.length} new paper${papers.length === 1 ? "" : "s"}`;
  return {
    to: s.email,
    subject: headerSafe(`ideasteer digest: ${count} for "${s.query}"`),
    text: textBody(o, unsubscribeUrl),
    html: htmlBody(o, unsubscribeUrl),
    headers: {
      "List-Unsubscribe": `<${unsubscribeUrl}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "Auto-Submitted": "auto-generated",
    },
    unsubscribeUrl,
  };
}

type ComposeInput = Parameters<typeof composeDigestEmail>[0];

function textBody(o: ComposeInput, unsubscribeUrl: string): string {
  const w = o.subscription.weights;
  const out = [
    `New papers for your search "${o.subscription.query}", ideas ranked by your weights (${weightsLine(w)}).`,
    "",
  ];
  o.papers.forEach(({ paper, ideas }, i) => {
    out.push(`${i + 1}. ${oneLine(paper.title)}`, `   ${paperLink(paper) ?? paper.id}`);
    ideas.forEach(({ idea, scores }, k) => {
      out.push("", `   Idea ${k + 1}: ${oneLine(idea.title)}`, `   ${scoreLine(scores, w)}`);
      for (const f of IDEA_FIELDS.filter((p) => p !== "title")) out.push(`   ${IDEA_LABELS[f]}: ${fieldText(idea, f)}`);
    });
    out.push("");
  });
  const more = o.matched - o.papers.length;
  if (more > 0) out.push(`${more} more new papers matched; this email holds the best ${o.papers.length}.`, "");
  out.push("--", `Unsubscribe: ${unsubscribeUrl}`);
  return `${out.join("\n")}\n`;
}

function htmlBody(o: ComposeInput, unsubscribeUrl: string): string {
  const w = o.subscription.weights;
  const papers = o.papers.map(({ paper, ideas }) => {
    const link = paperLink(paper);
    const title = link ? `<a href="${esc(link)}">${esc(oneLine(paper.title))}</a>` : esc(oneLine(paper.title));
    const items = ideas.map(
      ({ idea, scores }) =>
        `<li><strong>${esc(oneLine(idea.title))}</strong> <small>(${esc(scoreLine(scores, w))})</small><dl>${IDEA_FIELDS.filter(
          (p) => p !== "title",
        )
          .map((f) => `<dt>${esc(IDEA_LABELS[f])}</dt><dd>${esc(fieldText(idea, f))}</dd>`)
          .join("")}</dl></li>`,
    );
    return `<h2>${title}</h2><p><small>${esc(paper.id)}</small></p><ol>${items.join("")}</ol>`;
  });
  const more = o.matched - o.papers.length;
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>ideasteer digest</title></head><body>',
    `<p>New papers for your search <strong>${esc(o.subscription.query)}</strong>, ideas ranked by your weights (${esc(weightsLine(w))}).</p>`,
    ...papers,
    more > 0 ? `<p>${more} more new papers matched; this email holds the best ${o.papers.length}.</p>` : "",
    `<hr><p><small><a href="${esc(unsubscribeUrl)}">Unsubscribe</a> from this digest.</small></p>`,
    "</body></html>",
  ].join("\n");
}

/** The paper's page: its own http(s) URL, or its arXiv abstract page; null otherwise (no javascript: or data: links). */
export function paperLink(p: Paper): string | null {
  if (p.url && /^https?:\/\/[^\s"'<>]+$/i.test(p.url)) return p.url;
  const arxiv = /^arxiv\/(.+)$/.exec(p.id)?.[1];
  return arxiv ? `https://arxiv.org/abs/${encodeURI(arxiv)}` : null;
}

const weightsLine = (w: Scores) => DIMENSIONS.map((d) => `${d} ${w[d].toFixed(2)}`).join(", ");

function scoreLine(scores: Scores | null, w: Scores): string {
  if (!scores) return "not scored";
  return `score ${(weightedScore(scores, w) as number).toFixed(2)}: ${DIMENSIONS.map((d) => `${d} ${scores[d].toFixed(2)}`).join(", ")}`;
}

const fieldText = (idea: Idea, f: IdeaFieldPath) => oneLine(getIdeaField(idea, f));
const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/** No CR, LF or other control characters: a header value stays one header. */
const headerSafe = (s: string) => s.replace(/[\p{Cc}]+/gu, " ").trim();

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
/** Text as HTML, safe both between tags and inside a double- or single-quoted attribute. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
const esc = escapeHtml;
