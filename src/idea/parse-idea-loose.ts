import { type ExperimentPlan, IDEA_FIELDS, type Idea, type IdeaFieldPath, isCompleteIdea, parseIdea } from "./idea.js";

/** What the tolerant parser could recover: only the fields it found. */
export type PartialIdea = Partial<Pick<Idea, "title" | "method">> & { experimentPlan?: Partial<ExperimentPlan> };

export type LooseParse = {
  idea: PartialIdea;
  /** field paths (IDEA_FIELDS names) that were absent or blank */
  missing: IdeaFieldPath[];
  /** what was tolerated: ignored preamble, duplicate sections, unlabeled bullets, JSON input ... */
  warnings: string[];
};

type Slot = IdeaFieldPath | "plan";

// Synonyms per section, longest first so "dataset preparation" wins over "dataset".
const SYNONYMS: [Slot, string[]][] = [
  ["title", ["research idea title", "proposed title", "project title", "idea title", "title"]],
  [
    "method",
    ["proposed methodology", "proposed approach", "proposed method", "methodology", "approach", "methods", "method"],
  ],
  [
    "plan",
    [
      "step-by-step experiment plan",
      "experimental plan",
      "experiment plan",
      "experimental setup",
      "experiments",
      "experiment",
    ],
  ],
  ["experimentPlan.datasets", ["dataset preparation", "data preparation", "datasets", "dataset", "data"]],
  [
    "experimentPlan.baselines",
    ["baseline implementation", "baseline methods", "baseline models", "baselines", "baseline", "comparisons"],
  ],
  [
    "experimentPlan.evaluation",
    ["evaluation procedure", "evaluation protocol", "evaluation metrics", "evaluation", "metrics"],
  ],
];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/[ -]/g, "[\\s-]+");
const LABELS: { slot: Slot; re: RegExp }[] = SYNONYMS.flatMap(([slot, names]) =>
  names.map((n) => ({
    slot,
    // optional emphasis, the label, optional emphasis, then ":" / " - " or end of line, optional emphasis
    re: new RegExp(`^[*_]{0,2}\\s*${escapeRe(n)}\\s*[*_]{0,2}\\s*(?:[:：][*_]{0,2}|\\s[-–—](?=\\s)|$)\\s*`, "i"),
  })),
);
// Quote marks, heading hashes, then one bullet or list number; what a model puts before a label.
const LEAD = /^\s*(?:>\s*)*(?:#{1,6}\s+)?(?:(?:[-*+•●▪]|\d{1,2}[.)]|\(?[a-eA-E][.)])\s+)?/;

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/**
 * Tolerant parse of model output into the §1 fields: any case, markdown headings, bold labels,
 * bullets or numbers, content on the label's line or the lines below it, synonyms ("Baselines",
 * "Evaluation Metrics"), unlabeled plan bullets taken in layout order, and a JSON object with the
 * parsed form's keys. Whitespace in values is collapsed to single spaces. Never throws.
 */
export function parseIdeaLoose(text: string): LooseParse {
  const json = tryJson(text);
  if (json) return json;
  const warnings: string[] = [];
  const values = new Map<IdeaFieldPath, string[]>();
  let current: Slot | null = null;
  let skipping = false; // inside a duplicate section: its text is dropped
  let preamble = 0;
  let firstHeading: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*```/.test(raw)) continue;
    const lead = raw.match(LEAD)?.[0] ?? "";
    const stripped = raw.slice(lead.length);
    const hit = LABELS.find((l) => l.re.test(stripped));
    if (hit) {
      const rest = cleanRest(stripped.replace(hit.re, ""));
      if (hit.slot === "plan") {
        current = "plan";
        skipping = false;
        if (rest) pushPlanBullet(values, rest, warnings);
        continue;
      }
      if (values.has(hit.slot)) {
        warnings.push(`duplicate ${hit.slot} section ignored`);
        current = hit.slot;
        skipping = true;
        continue;
      }
      current = hit.slot;
      skipping = false;
      values.set(hit.slot, rest ? [rest] : []);
      continue;
    }
    const content = cleanRest(stripped);
    if (!content) continue;
    if (current === null) {
      if (firstHeading === null && /^\s*#{1,6}\s+\S/.test(raw)) firstHeading = content;
      else preamble++;
      continue;
    }
    if (skipping) continue;
    if (current === "plan") {
      // a bullet without a label under "Experiment Plan": the next plan field in layout order
      if (lead.trim()) pushPlanBullet(values, content, warnings);
      else warnings.push("text under Experiment Plan outside any bullet ignored");
      continue;
    }
    values.get(current)?.push(content);
  }
  if (preamble > 0) warnings.push(`${preamble} line(s) before the first section ignored`);
  if (!values.has("title") && firstHeading !== null) {
    values.set("title", [firstHeading]);
    warnings.push("title taken from the first markdown heading");
  } else if (firstHeading !== null) warnings.push("a markdown heading before the first section ignored");
  return finish(new Map([...values].map(([k, v]) => [k, oneLine(v.join(" "))])), warnings);
}

/** The complete Idea when nothing is missing, else null. */
export function completeIdea(r: LooseParse): Idea | null {
  if (r.missing.length > 0) return null;
  const plan = r.idea.experimentPlan ?? {};
  return {
    title: r.idea.title ?? "",
    method: r.idea.method ?? "",
    experimentPlan: {
      datasets: plan.datasets ?? "",
      baselines: plan.baselines ?? "",
      evaluation: plan.evaluation ?? "",
    },
  };
}

function cleanRest(s: string): string {
  return s
    .replace(/^[*_]{1,2}\s*/, "")
    .replace(/\s*[*_]{2}$/, "")
    .trim();
}

function pushPlanBullet(values: Map<IdeaFieldPath, string[]>, content: string, warnings: string[]): void {
  const next = (["experimentPlan.datasets", "experimentPlan.baselines", "experimentPlan.evaluation"] as const).find(
    (p) => !values.has(p),
  );
  if (!next) {
    warnings.push("an extra unlabeled Experiment Plan bullet ignored");
    return;
  }
  warnings.push(`unlabeled Experiment Plan bullet taken as ${next}`);
  values.set(next, [content]);
}

function finish(values: Map<IdeaFieldPath, string>, warnings: string[]): LooseParse {
  const idea: PartialIdea = {};
  const missing: IdeaFieldPath[] = [];
  for (const p of IDEA_FIELDS) {
    const v = values.get(p);
    if (v === undefined || v === "") {
      missing.push(p);
      if (v === "") warnings.push(`${p} is empty`);
    }
    if (v === undefined) continue;
    if (p === "title") idea.title = v;
    else if (p === "method") idea.method = v;
    else {
      idea.experimentPlan ??= {};
      idea.experimentPlan[PLAN_KEY[p]] = v;
    }
  }
  return { idea, missing, warnings };
}

const PLAN_KEY = {
  "experimentPlan.datasets": "datasets",
  "experimentPlan.baselines": "baselines",
  "experimentPlan.evaluation": "evaluation",
} as const;

/** A JSON object (bare or in a ```json fence) with the parsed form's keys, or flat plan keys. */
function tryJson(text: string): LooseParse | null {
  const fenced = text.match(/```(?:json)?\s*\n([\s\S]*?)\n\s*```/);
  const candidate = (fenced ? fenced[1] : text)?.trim() ?? "";
  if (!candidate.startsWith("{")) return null;
  let obj: unknown;
  try {
    obj = JSON.parse(candidate);
  } catch {
    return null;
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return null;
  const rec = obj as Record<string, unknown>;
  const plan = (
    typeof rec.experimentPlan === "object" && rec.experimentPlan !== null ? rec.experimentPlan : rec
  ) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === "string" ? oneLine(v) : undefined);
  const values = new Map<IdeaFieldPath, string>();
  const put = (p: IdeaFieldPath, v: unknown) => {
    const s = str(v);
    if (s !== undefined) values.set(p, s);
  };
  put("title", rec.title);
  put("method", rec.method);
  put("experimentPlan.datasets", plan.datasets);
  put("experimentPlan.baselines", plan.baselines);
  put("experimentPlan.evaluation", plan.evaluation);
  return finish(values, ["parsed as JSON"]);
}

/**
 * Repair: the tolerant parse of `text` made whole, or null with what is still missing; never
 * invents text for a missing field (a caller regenerates instead).
 * @example repairIdea("## Title\nX\n**Method:** Y\n...").idea // { title: "X", method: "Y", experimentPlan: {...} }
 */
export function repairIdea(text: string): { idea: Idea | null; missing: IdeaFieldPath[]; warnings: string[] } {
  const loose = parseIdeaLoose(text);
  return { idea: completeIdea(loose), missing: loose.missing, warnings: loose.warnings };
}

/**
 * What `generate` accepts as an idea: text in the exact layout with every field filled, or text that repair makes
 * whole; null otherwise, with what is missing. RL rewards only what this accepts, as eval counts only that.
 */
export function readWholeIdea(
  text: string,
): { idea: Idea; repaired: boolean; missing?: undefined } | { idea: null; missing: string } {
  const strict = tryParseIdea(text);
  if (strict && isCompleteIdea(strict)) return { idea: strict, repaired: false };
  const r = repairIdea(text);
  if (r.idea && isCompleteIdea(r.idea)) return { idea: r.idea, repaired: true };
  return { idea: null, missing: r.missing.join(", ") || "an empty field" };
}

function tryParseIdea(text: string): Idea | null {
  try {
    return parseIdea(text);
  } catch {
    return null;
  }
}
