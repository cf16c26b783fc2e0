import { clipText } from "../datasets/index.js";
import type { Dimension } from "../idea/index.js";
import type { Paper } from "../library/index.js";
import { dataFence, dataRule, fenceTag, quoteData } from "./data-fence.js";
import { NOVELTY_CITE_BELOW } from "./judge-answer.js";
import type { RelatedPaper } from "./retrieve-related.js";

/** "retrieved": related work was found and is in the prompt; "none": novelty is judged without evidence. */
export type Evidence = "retrieved" | "none";

/**
 * The three rubrics of DESIGN §3 with their anchors. DESIGN fixes the ends of the feasibility and
 * effectiveness scales; the steps between them (decision) follow the novelty scale's bands.
 */
export const RUBRICS: Record<Dimension, string> = {
  novelty: [
    "Novelty: how new the idea is compared with the related work given (and what you know of the field).",
    "1-2 not novel (it has been done), 3-4 mostly not novel, 5 somewhat novel, 6-7 reasonably novel, 8-9 clearly novel, 10 very novel.",
    `A novelty score under ${NOVELTY_CITE_BELOW} must name the similar works: put their ids in citedIds. In any case list in citedIds the works closest to the idea.`,
  ].join(" "),
  feasibility: [
    "Feasibility: could a typical PhD student carry out the idea, as described, in 1-2 months with API access to LLMs and a limited GPU budget?",
    "1-2 impossible, 3-4 very hard, 5 hard but possible, 6-7 feasible with effort, 8-9 straightforward, 10 easy.",
  ].join(" "),
  effectiveness: [
    "Effectiveness: how likely is the idea to work and beat the existing baselines it names (or the obvious ones)?",
    "1-2 extremely unlikely, 3-4 unlikely, 5 uncertain, 6-7 likely, 8-9 very likely, 10 definitely effective.",
  ].join(" "),
};

export type JudgePrompt = {
  system: string;
  user: string;
  allowedIds: string[]; // ids of every paper in the prompt (source first): what citedIds may contain
  relatedIds: string[]; // ids of the related-work blocks
  ideaText: string; // the idea as quoted (clipped), and each paper's title and abstract: what answers are checked against
  paperTexts: Map<string, string>;
  evidence: Evidence;
  droppedChars: number; // characters of abstracts and the idea cut to fit (each cut is marked [...] in the prompt)
};

export type PromptOptions = {
  maxAbstractChars: number; // per paper
  maxIdeaChars: number;
  rationaleMaxChars: number;
};

/**
 * The judge's chat prompt. The system message holds everything the model should follow: the task,
 * the rubrics, the data rule and the answer format. The user message holds only fenced data (see
 * dataFence) plus a closing line naming the blocks, so nothing a paper says sits outside a block.
 */
export function buildJudgePrompt(
  input: { ideaText: string; source: Paper | null; related: readonly RelatedPaper[] },
  opts: PromptOptions,
): JudgePrompt {
  let droppedChars = 0;
  const clip = (text: string, max: number) => {
    const c = clipText(text, max);
    droppedChars += c.droppedChars;
    return c.text;
  };
  const idea = clip(input.ideaText, opts.maxIdeaChars);
  const paperText = (p: { title: string; abstract: string }) =>
    `Title: ${p.title}\nAbstract: ${p.abstract ? clip(p.abstract, opts.maxAbstractChars) : "(none)"}`;
  const papers = [...(input.source ? [input.source] : []), ...input.related];
  const fence = dataFence([idea, ...papers.flatMap((p) => [p.id, p.title, p.abstract, p.venue ?? ""])]);
  const evidence: Evidence = input.related.length > 0 ? "retrieved" : "none";
  const tag = (k: Parameters<typeof fenceTag>[1]) => `<${fenceTag(fence, k)}>`;

  const system = [
    "You are an expert reviewer who scores one research idea on three rubrics, each from 1 to 10.",
    "",
    ...Object.values(RUBRICS),
    "",
    dataRule(fence),
    `The ${tag("source-paper")} block, when present, is the paper the idea builds on; ${tag("related-work")} blocks are related work retrieved from a paper library.`,
    evidence === "none"
      ? "No related work was found for this idea: judge novelty from your own knowledge of the field, and leave novelty.citedIds empty."
      : "Cite papers only by the exact id attribute of their block.",
    "",
    "Answer with one JSON object and nothing else:",
    '{"novelty": {"rationale": "...", "citedIds": ["<id>", ...], "score": <1-10>},',
    ' "feasibility": {"rationale": "...", "citedIds": [...], "score": <1-10>},',
    ' "effectiveness": {"rationale": "...", "citedIds": [...], "score": <1-10>}}',
    `Each rationale is plain text of ${opts.rationaleMaxChars > 0 ? `at most ${opts.rationaleMaxChars} characters` : "two or three sentences"}; each score a whole number.`,
  ].join("\n");

  const blocks = [
    quoteData(fence, "idea", idea),
    ...(input.source
      ? [quoteData(fence, "source-paper", paperText(input.source), { id: input.source.id, year: input.source.year })]
      : []),
    ...input.related.map((p) =>
      quoteData(fence, "related-work", paperText(p), { id: p.id, year: p.year, venue: p.venue }),
    ),
  ];
  const user = [
    ...blocks,
    "",
    `Score the idea in the ${tag("idea")} block on novelty, feasibility and effectiveness, as the system message says.`,
  ].join("\n");

  return {
    system,
    user,
    allowedIds: papers.map((p) => p.id),
    relatedIds: input.related.map((p) => p.id),
    ideaText: idea,
    paperTexts: new Map(papers.map((p) => [p.id, `${p.title}\n${p.abstract}`])),
    evidence,
    droppedChars,
  };
}
