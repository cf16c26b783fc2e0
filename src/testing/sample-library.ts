import { createReadStream, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { ingestFiles, type Paper, PaperStore, type Reference } from "../library/index.js";
import { sharedPath } from "./shared-data.js";

/**
 * Test support (not exported from the folder): a temp library of a few thousand real papers from
 * ../shared/data/papers.jsonl.gz, loaded through the library's own ingest, plus real citing papers
 * with their parsed references from citations.jsonl.gz. Callers check requireSharedData first.
 */

/** Every `every`-th paper of papers.jsonl.gz (ids sorted, so all venues appear) plus the papers named in `include`. */
export async function openSampleLibrary(
  dir: string,
  opts: { every: number; include?: readonly string[] },
): Promise<PaperStore> {
  const include = new Set(opts.include ?? []);
  const lines: string[] = [];
  let n = 0;
  const rl = createInterface({ input: createReadStream(sharedPath("papers.jsonl.gz")).pipe(createGunzip()) });
  for await (const line of rl) {
    const id = /^\{"id":"([^"]+)"/.exec(line)?.[1];
    if (n++ % opts.every === 0 || (id !== undefined && include.has(id))) lines.push(line);
  }
  const file = join(dir, "sample.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  const store = PaperStore.open(join(dir, "library.sqlite"));
  await ingestFiles({ store, inputs: [file] });
  return store;
}

export type CitingRecord = { citingId: string; references: Reference[] };

/** The citing paper `citingId` of citations.jsonl.gz with its references in the library's Reference form. */
export async function readCitingRecord(citingId: string): Promise<CitingRecord> {
  const rl = createInterface({ input: createReadStream(sharedPath("citations.jsonl.gz")).pipe(createGunzip()) });
  for await (const line of rl) {
    if (!line.includes(`"citing_id":"${citingId}"`)) continue;
    const r = JSON.parse(line) as {
      citing_id: string;
      references: {
        index: number | null;
        label: string | null;
        text: string;
        paper_id: string | null;
        in_text_count: number;
      }[];
    };
    rl.close();
    return {
      citingId: r.citing_id,
      references: r.references.map((x) => ({
        index: x.index,
        label: x.label,
        text: x.text,
        paperId: x.paper_id,
        inTextCount: x.in_text_count,
      })),
    };
  }
  throw new Error(`citing paper ${citingId} not in citations.jsonl.gz`);
}

/** `paper` with its references set, written back to the store (the full-text source of a papers.jsonl record). */
export function attachReferences(store: PaperStore, paper: Paper, references: Reference[]): Paper {
  store.upsert([{ ...paper, references }]);
  const back = store.get(paper.id);
  if (!back || back.references.length !== references.length)
    throw new Error(`references of ${paper.id} were not stored`);
  return back;
}
