import type { CitationRecord } from "./source-records.js";

/** One matched reference of a citing paper that can serve as its supporting paper S. */
export type SupportCandidate = {
  paperId: string;
  inTextCount: number;
  position: number; // 0-based place in the reference list (first entry when the work is listed twice)
};

export type CandidateRanking = {
  /** best first: in-text count descending, then reference-list position ascending; at most topK */
  candidates: SupportCandidate[];
  /** the top two candidates have the same in-text count (broken by reference-list position) */
  tieAtTop: boolean;
  matchedReferences: number; // references with a paper_id
  selfReferences: number; // matches that are the citing paper itself (same id, a dup id or the same normalised title)
  withoutAbstract: number; // matches whose paper has no abstract in papers.jsonl
  duplicatesMerged: number; // extra entries of a work already listed (kept: max in-text count, first position)
};

export type RankOptions = {
  topK: number;
  hasAbstract: (paperId: string) => boolean;
  isSelf: (paperId: string) => boolean;
};

/**
 * LDC's candidate list for a citing paper P: its references matched to a paper with an abstract,
 * ranked by how often P's body cites them. Ties are broken by the earlier reference-list position,
 * which is deterministic and, for numeric styles, the order of first citation.
 */
export function rankCandidates(record: CitationRecord, opts: RankOptions): CandidateRanking {
  const byId = new Map<string, SupportCandidate>();
  let matchedReferences = 0;
  let selfReferences = 0;
  let withoutAbstract = 0;
  let duplicatesMerged = 0;
  record.references.forEach((ref, position) => {
    if (ref.paper_id === null) return;
    matchedReferences++;
    if (opts.isSelf(ref.paper_id)) {
      selfReferences++;
      return;
    }
    if (!opts.hasAbstract(ref.paper_id)) {
      withoutAbstract++;
      return;
    }
    const seen = byId.get(ref.paper_id);
    if (seen) {
      // Author-year counts of two entries of one work are the same mentions counted twice: take the max, not the sum.
      duplicatesMerged++;
      seen.inTextCount = Math.max(seen.inTextCount, ref.in_text_count);
      return;
    }
    byId.set(ref.paper_id, { paperId: ref.paper_id, inTextCount: ref.in_text_count, position });
  });
  const ranked = [...byId.values()].sort((a, b) => b.inTextCount - a.inTextCount || a.position - b.position);
  const candidates = ranked.slice(0, opts.topK);
  const tieAtTop = ranked.length > 1 && ranked[0]?.inTextCount === ranked[1]?.inTextCount;
  return { candidates, tieAtTop, matchedReferences, selfReferences, withoutAbstract, duplicatesMerged };
}
