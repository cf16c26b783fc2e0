import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../core/index.js";

/**
 * A dataset folder is finished when its card.json exists: a build removes the card first and writes
 * it last (atomically), so a build killed anywhere in between leaves a folder without one, and no
 * reader takes that folder for a dataset.
 */
export const isFinishedDataset = (dir: string): boolean => existsSync(join(dir, "card.json"));

const VERSION_FOLDER = /^v\d+-[0-9a-f]{12}$/; // datasetVersion()'s names: the only folders swept
const WRITE_TEMP = /\.tmp-\d+-\d+$/; // writeFileAtomic's temporaries

/**
 * What killed builds left in `outDir` (write temporaries, the old card) and, under the default root
 * `<home>/datasets`, unfinished version folders: removed before a build writes. Returns what went.
 */
export function clearUnfinishedBuild(o: { outDir: string; versionsRoot?: string; log: Logger }): string[] {
  const removed: string[] = [];
  const remove = (p: string) => {
    rmSync(p, { recursive: true, force: true });
    removed.push(p);
  };
  if (o.versionsRoot && existsSync(o.versionsRoot))
    for (const name of readdirSync(o.versionsRoot)) {
      const dir = join(o.versionsRoot, name);
      if (dir !== o.outDir && VERSION_FOLDER.test(name) && statSync(dir).isDirectory() && !isFinishedDataset(dir))
        remove(dir);
    }
  if (existsSync(o.outDir))
    for (const name of readdirSync(o.outDir))
      if (WRITE_TEMP.test(name) || name === "card.json" || name === "card.md") remove(join(o.outDir, name));
  const litter = removed.filter((p) => !/card\.(json|md)$/.test(p));
  if (litter.length > 0) o.log.warn("removed what an interrupted data build left", { paths: litter });
  return removed;
}

/** The newest finished dataset under <home>/datasets that holds `file`, or null. */
export function newestDataset(home: string, file: string): string | null {
  const root = join(home, "datasets");
  if (!existsSync(root)) return null;
  const found = readdirSync(root)
    .map((n) => join(root, n))
    .filter((p) => isFinishedDataset(p) && existsSync(join(p, file)))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return found[0] ?? null;
}
