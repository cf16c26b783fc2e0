/** The input formats `library add` reads; `--format` takes one of these names. */
export const INPUT_FORMATS = ["jsonl", "listing", "atom", "bibtex", "markdown", "pdf"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

const BY_EXTENSION: [suffix: string, format: InputFormat][] = [
  [".jsonl.gz", "jsonl"],
  [".ndjson.gz", "jsonl"],
  [".json.gz", "jsonl"],
  [".jsonl", "jsonl"],
  [".ndjson", "jsonl"],
  [".json", "jsonl"],
  [".txt", "listing"],
  [".atom", "atom"],
  [".xml", "atom"],
  [".bib", "bibtex"],
  [".bibtex", "bibtex"],
  [".md", "markdown"],
  [".markdown", "markdown"],
  [".pdf", "pdf"],
];

/** The format a file name promises, or null when the name says nothing (then sniff the content). */
export function formatFromName(file: string): InputFormat | null {
  const lower = file.toLowerCase();
  for (const [suffix, format] of BY_EXTENSION) if (lower.endsWith(suffix)) return format;
  return null;
}

/**
 * The format of some content from its first bytes: magic numbers first (gzip, PDF), then the first
 * meaningful characters. A listing (title, blank line, abstract) is the fallback for plain text.
 */
export function sniffFormat(head: Buffer): InputFormat {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "jsonl"; // gzip: we only read gzipped JSONL
  if (head.subarray(0, 1024).includes("%PDF-")) return "pdf";
  const text = head.toString("utf8").replace(/^\uFEFF/, "");
  const start = text.trimStart();
  if (start.startsWith("{") || start.startsWith("[")) return "jsonl";
  if (
    start.startsWith("<?xml") ||
    /^<feed[\s>]/.test(start) ||
    /<feed[\s>][\s\S]*xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/.test(text)
  ) {
    return "atom";
  }
  if (/^\s*@[a-zA-Z]+\s*[{(]/m.test(text) && !/^#\s/m.test(text)) return "bibtex";
  if (/^#{1,6}\s+\S/m.test(text)) return "markdown";
  return "listing";
}
