/**
 * Light cleanup of docling / OpenReview prose before sentences are picked: HTML entities, docling
 * placeholders, numeric and author-year citation markers, footnote URLs and the spaces docling
 * leaves before punctuation. LaTeX is kept (abstracts use it as written).
 */
const ENTITIES: Record<string, string> = {
  "&gt;": ">",
  "&lt;": "<",
  "&amp;": "&",
  "&quot;": '"',
  "&#39;": "'",
  "&#x27;": "'",
};

export function cleanPaperText(text: string): string {
  return text
    .replaceAll("\u0000", "") // docling leaves NUL bytes in some files
    .replace(/&(?:gt|lt|amp|quot|#39|#x27);/g, (m) => ENTITIES[m] ?? m)
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/\s*\[\s*\d+(?:\s*[-–,]\s*\d+)*\s*\]/g, "") // [12], [3, 5], [10-12]
    .replace(/\s*\[[^[\]]*\b(?:19|20)\d{2}[a-z]?\s*\]/g, "") // [Vaswani, 2017]
    .replace(/\s*\((?=[^()]*[A-Z][a-z])[^()]*?\b(?:19|20)\d{2}[a-z]?\s*\)/g, "") // (Smith et al., 2020; Lee, 2021)
    .replace(/(?<=[a-z0-9,] )[A-Z][\w'-]+(?: et al\.| (?:and|&) [A-Z][\w'-]+)? \((?:19|20)\d{2}[a-z]?\)[;,]?/g, "") // Wu et al. (2022)
    .replace(/https?:\/\/\S+/g, "")
    .replace(/[ \t]+([.,;:!?)\]])/g, "$1")
    .replace(/([([])[ \t]+/g, "$1")
    .replace(/[ \t]{2,}/g, " ");
}
