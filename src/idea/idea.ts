import { z } from "zod";
import { InputError } from "../core/index.js";
import type { JsonSchema } from "../llm/index.js";

/**
 * The idea format of DESIGN §1, its parsed form, and the exact render/parse pair.
 *
 *     Title: <one line>
 *     Method: <one line>
 *     Experiment Plan:
 *     - Dataset Preparation: <one line>
 *     - Baseline Implementation: <one line>
 *     - Evaluation Procedure: <one line>
 *
 * Every field is one line of text (no CR or LF); anything else, edge whitespace and unicode included,
 * survives `parseIdea(renderIdea(idea))` exactly. Fields may be empty (an extractor that found no
 * baseline sentence says so with ""), which renders as the label followed by one space.
 */
const IdeaField = z
  .string()
  .refine((s) => !/[\r\n]/.test(s), { message: "an idea field is one line: no CR or LF characters" });

export const ExperimentPlan = z.object({
  datasets: IdeaField.describe("Dataset Preparation: which data, how prepared"),
  baselines: IdeaField.describe("Baseline Implementation: what the idea is compared against"),
  evaluation: IdeaField.describe("Evaluation Procedure: metrics and protocol"),
});
export type ExperimentPlan = z.infer<typeof ExperimentPlan>;

export const Idea = z.object({
  title: IdeaField.describe("one-line title of the idea"),
  method: IdeaField.describe("the new approach, 2-6 sentences on one line"),
  experimentPlan: ExperimentPlan,
});
export type Idea = z.infer<typeof Idea>;

/** Field paths in layout order; `missing` lists from the loose parser use these names. */
export const IDEA_FIELDS = [
  "title",
  "method",
  "experimentPlan.datasets",
  "experimentPlan.baselines",
  "experimentPlan.evaluation",
] as const;
export type IdeaFieldPath = (typeof IDEA_FIELDS)[number];

export const IDEA_LABELS: Record<IdeaFieldPath, string> = {
  title: "Title",
  method: "Method",
  "experimentPlan.datasets": "Dataset Preparation",
  "experimentPlan.baselines": "Baseline Implementation",
  "experimentPlan.evaluation": "Evaluation Procedure",
};
export const EXPERIMENT_PLAN_LABEL = "Experiment Plan";

export const getIdeaField = (idea: Idea, path: IdeaFieldPath): string =>
  path === "title" ? idea.title : path === "method" ? idea.method : idea.experimentPlan[fieldKey(path)];

const fieldKey = (path: IdeaFieldPath): keyof ExperimentPlan =>
  path === "experimentPlan.datasets" ? "datasets" : path === "experimentPlan.baselines" ? "baselines" : "evaluation";

/** Builds an Idea from one value per field path (layout order). */
export const ideaFromFields = (v: Record<IdeaFieldPath, string>): Idea => ({
  title: v.title,
  method: v.method,
  experimentPlan: {
    datasets: v["experimentPlan.datasets"],
    baselines: v["experimentPlan.baselines"],
    evaluation: v["experimentPlan.evaluation"],
  },
});

/** True when every field has non-blank text. */
export const isCompleteIdea = (idea: Idea): boolean => IDEA_FIELDS.every((p) => getIdeaField(idea, p).trim() !== "");

/** Renders the §1 layout: six lines joined by "\n", no trailing newline. Throws on a field with a line break. */
export function renderIdea(idea: Idea): string {
  const checked = Idea.parse(idea);
  const line = (p: IdeaFieldPath) => `${IDEA_LABELS[p]}: ${getIdeaField(checked, p)}`;
  return [
    line("title"),
    line("method"),
    `${EXPERIMENT_PLAN_LABEL}:`,
    `- ${line("experimentPlan.datasets")}`,
    `- ${line("experimentPlan.baselines")}`,
    `- ${line("experimentPlan.evaluation")}`,
  ].join("\n");
}

/**
 * Parses text in exactly the rendered layout (one trailing "\n" allowed, as files end with one).
 * Anything else is an InputError naming the line; use `parseIdeaLoose` for model output.
 */
export function parseIdea(text: string, source = "<idea>"): Idea {
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  const lines = body.split("\n");
  if (lines.length !== 6) {
    throw new InputError({ file: source }, `an idea has 6 lines, found ${lines.length}`, {
      hint: "use parseIdeaLoose for free-form model output",
    });
  }
  const take = (i: number, prefix: string): string => {
    const l = lines[i] as string;
    if (!l.startsWith(prefix))
      throw new InputError({ file: source, line: i + 1 }, `expected a line starting "${prefix}"`);
    if (l.includes("\r")) throw new InputError({ file: source, line: i + 1 }, "carriage return inside a field");
    return l.slice(prefix.length);
  };
  if (lines[2] !== `${EXPERIMENT_PLAN_LABEL}:`) {
    throw new InputError({ file: source, line: 3 }, `expected "${EXPERIMENT_PLAN_LABEL}:"`);
  }
  return ideaFromFields({
    title: take(0, `${IDEA_LABELS.title}: `),
    method: take(1, `${IDEA_LABELS.method}: `),
    "experimentPlan.datasets": take(3, `- ${IDEA_LABELS["experimentPlan.datasets"]}: `),
    "experimentPlan.baselines": take(4, `- ${IDEA_LABELS["experimentPlan.baselines"]}: `),
    "experimentPlan.evaluation": take(5, `- ${IDEA_LABELS["experimentPlan.evaluation"]}: `),
  });
}

/**
 * JSON schema of a complete idea, for the HTTP API and for grammar-constrained LLM output. It asks
 * for non-empty fields (a model should always fill every field). No maxLength by default: llama.cpp
 * expands it into a repetition its grammar parser refuses beyond ~2000; bound output by maxTokens.
 */
export function ideaJsonSchema(maxFieldChars?: number): JsonSchema {
  const field = (description: string): JsonSchema => ({
    type: "string",
    minLength: 1,
    ...(maxFieldChars === undefined ? {} : { maxLength: maxFieldChars }),
    description,
  });
  return {
    type: "object",
    properties: {
      title: field("one-line title of the idea"),
      method: field("the new approach, 2-6 sentences"),
      experimentPlan: {
        type: "object",
        properties: {
          datasets: field("Dataset Preparation"),
          baselines: field("Baseline Implementation"),
          evaluation: field("Evaluation Procedure"),
        },
        required: ["datasets", "baselines", "evaluation"],
        additionalProperties: false,
      },
    },
    required: ["title", "method", "experimentPlan"],
    additionalProperties: false,
  };
}
