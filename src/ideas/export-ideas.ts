import { DIMENSIONS } from "../idea/index.js";
import type { SavedIdea } from "./idea-store.js";
import { type BibPaper, relatedBibtex } from "./related-bibtex.js";

export const EXPORT_FORMATS = ["md", "json", "bib"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Saved ideas as Markdown (one section each, with scores and provenance), JSON (the records as stored), or BibTeX of
 * their related work (`lookup` fills the entries from the library).
 */
export function exportIdeas(
  ideas: readonly SavedIdea[],
  format: ExportFormat,
  lookup?: (id: string) => BibPaper | null,
): string {
  if (format === "json") return `${JSON.stringify(ideas, null, 2)}\n`;
  if (format === "bib") return relatedBibtex(ideas, lookup);
  return ideas.map(markdownOf).join("\n");
}

function markdownOf(s: SavedIdea): string {
  const scores = s.scores ? DIMENSIONS.map((d) => `${d} ${s.scores?.[d].toFixed(2)}`).join(", ") : "not scored";
  const prior = s.related.filter((r) => r.role === "prior");
  return [
    `## ${s.idea.title}`,
    "",
    `Idea ${s.id}, building on "${s.paper.title}"${s.paper.id ? ` (${s.paper.id})` : ""}.`,
    "",
    `**Method.** ${s.idea.method}`,
    "",
    "**Experiment plan.**",
    `- Dataset preparation: ${s.idea.experimentPlan.datasets}`,
    `- Baseline implementation: ${s.idea.experimentPlan.baselines}`,
    `- Evaluation procedure: ${s.idea.experimentPlan.evaluation}`,
    "",
    `Scores: ${scores}${s.rating === null ? "" : `; your rating ${s.rating}/5`}.`,
    ...(prior.length ? ["", `Nearest prior work: ${prior.map((p) => `${p.title} (${p.id})`).join("; ")}.`] : []),
    "",
    `Made by ${s.backend} (${Object.entries(s.models)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}), seed ${s.seed}, ${s.createdAt}.`,
    "",
  ].join("\n");
}
