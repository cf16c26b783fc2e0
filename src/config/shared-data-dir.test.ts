import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../testing/index.js";
import { loadConfig } from "./load-config.js";
import { defaultSharedDataDir } from "./shared-data-dir.js";

// The package root is the nearest folder above this file with a package.json: found by walking, not by depth.
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

test("the shared data folder is ../shared/data beside the package root", () => {
  assert.equal(defaultSharedDataDir(), resolve(packageRoot(), "..", "shared", "data"));
});

test("every data folder left empty defaults to the shared data folder; a given one wins", (t) => {
  const home = tempDir(t);
  const defaults = loadConfig({ env: { IDEASTEER_HOME: home } });
  assert.equal(defaults.datasets.dataDir, defaultSharedDataDir());
  assert.equal(defaults.train.dataDir, defaultSharedDataDir());
  const given = loadConfig({
    env: { IDEASTEER_HOME: home, IDEASTEER_TRAIN_DATA_DIR: "/elsewhere" },
    flags: { "datasets.dataDir": "/mine" },
  });
  assert.equal(given.datasets.dataDir, "/mine");
  assert.equal(given.train.dataDir, "/elsewhere");
});
