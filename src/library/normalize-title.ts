import { createHash } from "node:crypto";

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

/** Id for a paper whose source gives none: "t" + the first 12 hex digits of SHA-1(normalised title), as in ../shared/data. */
export function titleId(title: string): string {
  return `t${createHash("sha1").update(normalizeTitle(title)).digest("hex").slice(0, 12)}`;
}
