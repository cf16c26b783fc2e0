import { type Paper, PaperStore } from "../library/index.js";

/** A library paper newer than a subscription's cursor that matches its query; `score` is BM25 negated (higher is better). */
export type NewPaper = { pk: number; paper: Paper; score: number };
/** The best `limit` matches, and how many new papers matched in all (the email counts the ones left out). */
export type NewPaperMatches = { papers: NewPaper[]; matched: number };

/**
 * Which library papers are new to a subscription: papers are numbered in insertion order, so "new since the last
 * run" is the row range (cursor, latest]; the library ranks the ones holding every query term by BM25.
 * A home without a library yet finds nothing.
 */
export class NewPaperFinder {
  private constructor(private readonly library: PaperStore | null) {}

  static open(dbPath: string): NewPaperFinder {
    return new NewPaperFinder(PaperStore.exists(dbPath) ? PaperStore.open(dbPath, { readonly: true }) : null);
  }

  /** The newest paper's pk: a run snapshots it first and handles (cursor, latestPk] only. */
  latestPk(): number {
    return this.library?.latestPk() ?? 0;
  }

  /** Papers with afterPk < pk <= upToPk holding every content word of `query` (plurals folded), best first. */
  find(query: string, o: { afterPk: number; upToPk: number; limit: number }): NewPaperMatches {
    const library = this.library;
    if (!library) return { papers: [], matched: 0 };
    const { hits, matched } = library.matchAllAdded(query, o);
    const papers = hits.flatMap((h) => {
      const paper = library.get(h.id);
      return paper ? [{ pk: h.pk, paper, score: h.score }] : []; // merged away since the query: nothing to mail
    });
    return { papers, matched };
  }

  close(): void {
    this.library?.close();
  }
}
