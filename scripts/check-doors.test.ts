import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkDoors } from "./check-doors.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A scratch repository with the given files (path -> source). */
function scratchTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "ideasteer-doors-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test("the project itself passes the door check", () => {
  assert.deepEqual(checkDoors(ROOT), []);
});

test("a deliberately bad import fails the check, with file, line and rule", (t) => {
  const root = scratchTree({
    "src/engine/index.ts": 'export { createLlama } from "./llama.js";\n',
    "src/engine/llama.ts": "export const createLlama = () => 1;\n",
    "src/library/index.ts": 'export { store } from "./store.js";\n',
    // past the engine's door, and upwards: library sits above engine in DESIGN §2
    "src/library/store.ts": '\nimport { createLlama } from "../engine/llama.js";\nexport const store = createLlama;\n',
    "src/datasets/index.ts": 'import { tempDir } from "../testing/index.js";\nexport const x = tempDir;\n',
    "src/testing/index.ts": "export const tempDir = 1;\n",
    "src/steer/index.ts": 'import { y } from "../train/index.js";\nexport const z = y;\n',
    "src/train/index.ts": "export const y = 1;\n",
    "src/madeup/index.ts": "export const m = 1;\n",
    // tests may import any door, and testing/
    "src/library/store.test.ts": 'import { createLlama } from "../engine/index.js";\nimport "../testing/index.js";\n',
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const v = checkDoors(root).map((x) => `${x.file}:${x.line} ${x.rule}`);
  assert.deepEqual(v.sort(), [
    "src/datasets/index.ts:1 production code imports src/testing (test helpers only)",
    "src/library/store.ts:2 reaches past src/engine/index.ts; import from its door",
    "src/library/store.ts:2 src/library may not import src/engine (DESIGN §2 order)",
    "src/madeup/index.ts:1 folder src/madeup is not in the DESIGN §2 table (scripts/check-doors.ts LAYERS)",
    "src/steer/index.ts:1 inference (src/steer) must not import training (src/train)",
  ]);
});
