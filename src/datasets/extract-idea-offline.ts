import type { Idea } from "../idea/index.js";
import { cleanPaperText } from "./clean-paper-text.js";
import { splitSentences } from "./split-sentences.js";

/** What the extractors read of a citing paper P. Sections are null when the full text has none. */
export type PaperFullText = {
  id: string;
  title: string;
  abstract: string;
  method: string | null;
  experiments: string | null;
};

export const TEXT_SOURCES = ["abstract", "method", "experiments"] as const;
export type TextSource = (typeof TEXT_SOURCES)[number];
export const SENTENCE_ROLES = ["method", "datasets", "baselines", "evaluation"] as const;
export type SentenceRole = (typeof SENTENCE_ROLES)[number];

type Sentence = { text: string; source: TextSource; position: number; scores: Record<SentenceRole, number> };

// Cue words per role; a strong cue scores 2, a weak one 1.
const CUES: Record<SentenceRole, { strong: RegExp; weak: RegExp }> = {
  method: {
    strong:
      /\b(?:we (?:propose|introduce|present|develop|design|devise|formulate|derive|construct|put forward|leverage)|(?:this|our) (?:paper|work) (?:proposes|introduces|presents|develops)|our (?:method|approach|framework|model|algorithm|technique|key idea)|in this (?:paper|work), we)\b/i,
    weak: /\b(?:framework|architecture|algorithm|module|mechanism|objective|loss function|we (?:use|train|learn|model|optimi[sz]e|extend|build|combine)|based on|consists of|is designed to)\b/i,
  },
  datasets: {
    strong:
      /\b(?:datasets?|benchmarks?|corpus|corpora|data ?sets?|ImageNet|CIFAR-?\d*|MNIST|COCO|GLUE|SuperGLUE|SQuAD|WikiText|MMLU|GSM8K|HumanEval|MBPP|D4RL|MuJoCo|Atari|KITTI|nuScenes|LibriSpeech|ShapeNet|Cityscapes|ADE20K|CelebA|FFHQ|LSUN|OGB)\b/,
    weak: /\b(?:training (?:data|set)|test set|validation (?:set|split)|splits?|samples|collected|curated|synthetic data|real-world data|tasks)\b/i,
  },
  baselines: {
    strong:
      /\b(?:baselines?|compared? (?:with|to|against)|comparisons?|outperform\w*|state-of-the-art|state of the art|SOTA|competing methods|surpass\w*)\b/i,
    weak: /\b(?:prior (?:work|methods?|approaches)|existing (?:methods?|approaches)|competitive|versus|vs\.|than)\b/i,
  },
  evaluation: {
    strong:
      /\b(?:metrics?|evaluat\w+|accuracy|F1|BLEU|ROUGE|perplexity|AUC|AUROC|mAP|IoU|FID|error rates?|success rates?|win rates?|ablations?)\b/i,
    weak: /\b(?:measured?|regret|reward|returns?|results (?:show|demonstrate|indicate)|we report|experiments (?:show|demonstrate)|empirical(?:ly)?|performance|robustness)\b/i,
  },
};

const SOURCE_RANK: Record<SentenceRole, TextSource[]> = {
  method: ["abstract", "method", "experiments"],
  datasets: ["experiments", "abstract", "method"],
  baselines: ["experiments", "abstract", "method"],
  evaluation: ["experiments", "abstract", "method"],
};

export type OfflineExtractOptions = {
  maxMethodSentences: number; // DESIGN §1: 2-6 sentences
  minMethodSentences: number;
  maxPlanSentences: number; // per plan field
  maxPlanChars: number; // a second sentence is added only while the field stays under this
};

export const DEFAULT_OFFLINE_OPTIONS: OfflineExtractOptions = {
  minMethodSentences: 2,
  maxMethodSentences: 4,
  maxPlanSentences: 2,
  maxPlanChars: 500,
};

export type OfflineExtraction = {
  idea: Idea;
  /** where each field's sentences came from, in layout order ([] = not found, the field is empty) */
  sources: Record<SentenceRole, TextSource[]>;
};

/**
 * The offline golden-idea extractor (DESIGN §3, decision): splits P's abstract and method /
 * experiment sections into sentences, scores each sentence's role by cue words, and lays the best
 * ones out in the §1 form: method from the abstract first, the plan fields from the experiments
 * first. No sentence serves two fields. Deterministic; a field with no cue sentence stays empty.
 */
export function extractIdeaOffline(
  paper: PaperFullText,
  opts: OfflineExtractOptions = DEFAULT_OFFLINE_OPTIONS,
): OfflineExtraction {
  const sentences = [
    ...toSentences(paper.abstract, "abstract"),
    ...toSentences(paper.method, "method"),
    ...toSentences(paper.experiments, "experiments"),
  ];
  const used = new Set<Sentence>();
  const pick = (role: SentenceRole, minScore: number, max: number, from?: TextSource[]) =>
    sentences
      .filter((s) => !used.has(s) && s.scores[role] >= minScore && (!from || from.includes(s.source)))
      .sort(
        (a, b) =>
          b.scores[role] - a.scores[role] ||
          Number(isPrimary(b, role)) - Number(isPrimary(a, role)) ||
          SOURCE_RANK[role].indexOf(a.source) - SOURCE_RANK[role].indexOf(b.source) ||
          a.position - b.position,
      )
      .slice(0, max);

  // Method: strong cues in the abstract, then weaker ones, then the method section's opening.
  const method: Sentence[] = [];
  const addMethod = (xs: Sentence[]) => {
    for (const s of xs) {
      if (method.length >= opts.maxMethodSentences) return;
      method.push(s);
      used.add(s);
    }
  };
  addMethod(pick("method", 2, opts.maxMethodSentences, ["abstract"]));
  if (method.length < opts.minMethodSentences)
    addMethod(pick("method", 1, opts.minMethodSentences - method.length, ["abstract"]));
  if (method.length < opts.minMethodSentences)
    addMethod(pick("method", 1, opts.minMethodSentences - method.length, ["method"]));
  if (method.length < opts.minMethodSentences) {
    const opening = sentences.filter((s) => !used.has(s) && s.source !== "experiments" && isNeutral(s));
    addMethod(opening.slice(0, opts.minMethodSentences - method.length));
  }

  const plan = (role: Exclude<SentenceRole, "method">): Sentence[] => {
    // In an abstract a weak cue ("performance") is mostly background or a claim: strong cues only there.
    const best = pick(role, 1, opts.maxPlanSentences + 4)
      .filter((s) => s.source !== "abstract" || s.scores[role] >= 2)
      .slice(0, opts.maxPlanSentences);
    const chosen: Sentence[] = [];
    let chars = 0;
    for (const s of best) {
      if (chosen.length > 0 && (s.scores[role] < 2 || chars + s.text.length > opts.maxPlanChars)) break;
      chosen.push(s);
      used.add(s);
      chars += s.text.length + 1;
    }
    return chosen;
  };
  const datasets = plan("datasets");
  const baselines = plan("baselines");
  const evaluation = plan("evaluation");

  const join = (xs: Sentence[]) =>
    inReadingOrder(xs)
      .map((s) => s.text)
      .join(" ");
  const src = (xs: Sentence[]) => [...new Set(inReadingOrder(xs).map((s) => s.source))];
  return {
    idea: {
      title: oneLine(paper.title),
      method: join(method),
      experimentPlan: { datasets: join(datasets), baselines: join(baselines), evaluation: join(evaluation) },
    },
    sources: { method: src(method), datasets: src(datasets), baselines: src(baselines), evaluation: src(evaluation) },
  };
}

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

const inReadingOrder = (xs: Sentence[]) =>
  [...xs].sort((a, b) => TEXT_SOURCES.indexOf(a.source) - TEXT_SOURCES.indexOf(b.source) || a.position - b.position);

// A sentence is primarily about a role when no other plan role scores higher (ties count for both).
const isPrimary = (s: Sentence, role: SentenceRole) =>
  (["datasets", "baselines", "evaluation"] as const).every((r) => s.scores[r] <= s.scores[role]);

const isNeutral = (s: Sentence) => s.scores.datasets + s.scores.baselines + s.scores.evaluation === 0;

function toSentences(text: string | null, source: TextSource): Sentence[] {
  if (!text) return [];
  return splitSentences(cleanPaperText(text))
    .map((t) => t.replace(/^(?:[-*•]|\d{1,2}[.)]|\d{1,2}(?= [A-Z]))\s+/, "")) // list markers, footnote numbers
    .filter(isUsableSentence)
    .map((t, position) => ({
      text: oneLine(t),
      source,
      position,
      scores: Object.fromEntries(SENTENCE_ROLES.map((r) => [r, roleScore(t, r)])) as Record<SentenceRole, number>,
    }));
}

/**
 * 0 without cues, 1 with weak cues only, 2+ with strong ones: each further distinct strong cue adds
 * 1 (up to 3) and any weak cue 0.5, so "compare against X and Y baselines" outranks a passing mention.
 */
function roleScore(text: string, role: SentenceRole): number {
  const distinct = (re: RegExp) =>
    new Set([...text.matchAll(new RegExp(re.source, `${re.flags}g`))].map((m) => m[0].toLowerCase())).size;
  const strong = Math.min(3, distinct(CUES[role].strong));
  const weak = distinct(CUES[role].weak) > 0;
  if (strong > 0) return 1 + strong + (weak ? 0.5 : 0);
  return weak ? 1 : 0;
}

/** Prose, not a heading, caption, formula residue or list stub. */
function isUsableSentence(s: string): boolean {
  if (!/[.!?]["')\]]*$/.test(s)) return false; // headings and cut-off tails have no end punctuation
  if (/\bAppendix\b/.test(s)) return false; // a pointer to material the idea cannot carry
  const words = s.split(/\s+/).length;
  if (words < 6 || words > 70) return false;
  if (/^(?:Figure|Fig\.|Table|Algorithm|Definition|Theorem|Lemma|Proposition|Corollary|Remark|Proof)\b/.test(s))
    return false;
  const visible = s.replace(/\s/g, "");
  const letters = visible.replace(/[^\p{L}]/gu, "").length;
  return letters / visible.length >= 0.7;
}
