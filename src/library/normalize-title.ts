/**
 * The normalised title used to recognise the same work across sources (as the shared data does):
 * ASCII-folded, lower-cased, alphanumerics only.
 */
export function normalizeTitle(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");
}
