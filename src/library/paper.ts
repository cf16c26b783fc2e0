/**
 * One paper as the library stores it, whatever source it came from. Parsers produce these;
 * the store upserts them by id (or by normalised title when ids differ).
 */
export const SECTION_NAMES = ["introduction", "relatedWork", "method", "experiments"] as const;
export type SectionName = (typeof SECTION_NAMES)[number];
export type PaperSections = Partial<Record<SectionName, string | null>>;

/** One item of a paper's reference list, with how often the body cites it. */
export type Reference = {
  index: number | null; // printed number ([12] or 12.), when numbered
  label: string | null; // printed key such as BGM20
  text: string; // raw reference string
  paperId: string | null; // id of the cited paper in the library, when matched
  inTextCount: number; // how many times the body cites it
};

export const PAPER_SOURCES = ["jsonl", "listing", "atom", "bibtex", "markdown", "pdf"] as const;
export type PaperSource = (typeof PAPER_SOURCES)[number];

export type Paper = {
  id: string; // e.g. neurips2023/009LK0vLcY, arxiv/2412.14626, or t<sha1 of normalised title>
  title: string;
  abstract: string; // may be "" for sources without one (BibTeX entries, some PDFs)
  venue: string | null;
  year: number | null;
  authors: string[];
  keywords: string[];
  citations: number | null; // citation count when the source gives one
  url: string | null;
  sections: PaperSections; // full-text sections, empty for abstract-only sources
  references: Reference[];
  source: PaperSource;
  dupIds: string[]; // other ids of the same work
};

/**
 * A Paper with every field a source may lack filled in: abstract "", venue/year/citations/url null,
 * empty lists and sections. Keys keep the Paper type's order, so serialised papers read the same.
 * @example newPaper({ id: titleId(title), title, source: "listing", abstract })
 */
export function newPaper(fields: Pick<Paper, "id" | "title" | "source"> & Partial<Paper>): Paper {
  const { id, title, source, ...given } = fields;
  return {
    id,
    title,
    abstract: "",
    venue: null,
    year: null,
    authors: [],
    keywords: [],
    citations: null,
    url: null,
    sections: {},
    references: [],
    source,
    dupIds: [],
    ...given,
  };
}
