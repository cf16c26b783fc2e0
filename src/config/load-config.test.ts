import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError } from "../core/index.js";
import { tempDir } from "../testing/index.js";
import { configFields, loadConfig } from "./load-config.js";

test("precedence is defaults < config file < environment < flags", (t) => {
  const home = tempDir(t);
  writeFileSync(
    join(home, "config.json"),
    JSON.stringify({ llm: { model: "from-file", threads: 3 }, library: { batchSize: 10 } }),
  );
  const env = { IDEASTEER_HOME: home, IDEASTEER_LLM_MODEL: "from-env", IDEASTEER_LIBRARY_BATCH_SIZE: "20" };

  const fileOnly = loadConfig({ env: { IDEASTEER_HOME: home } });
  assert.equal(fileOnly.llm.model, "from-file");
  assert.equal(fileOnly.llm.threads, 3);
  assert.equal(fileOnly.llm.backend, "builtin"); // default survives a partial file

  const withEnv = loadConfig({ env });
  assert.equal(withEnv.llm.model, "from-env");
  assert.equal(withEnv.library.batchSize, 20); // coerced from the string "20"
  assert.equal(withEnv.llm.threads, 3);

  const withFlags = loadConfig({ env, flags: { "llm.model": "from-flag", "library.batchSize": undefined } });
  assert.equal(withFlags.llm.model, "from-flag");
  assert.equal(withFlags.library.batchSize, 20); // an absent flag does not override
});

test("home decides derived paths; a --home flag beats IDEASTEER_HOME", (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  const cfg = loadConfig({ env: { IDEASTEER_HOME: a }, flags: { home: b } });
  assert.equal(cfg.home, b);
  assert.equal(cfg.library.dbPath, join(b, "library.sqlite"));
});

test("bad values are refused with the source named", (t) => {
  const home = tempDir(t);
  assert.throws(() => loadConfig({ env: { IDEASTEER_HOME: home, IDEASTEER_LLM_THREADS: "many" } }), {
    name: "ConfigError",
    message: /IDEASTEER_LLM_THREADS=many is not a number/,
  });
  assert.throws(
    () => loadConfig({ env: { IDEASTEER_HOME: home }, flags: { "llm.backend": "gpt5" } }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /llm\.backend/);
      return true;
    },
  );
  writeFileSync(join(home, "config.json"), "{ not json");
  assert.throws(() => loadConfig({ env: { IDEASTEER_HOME: home } }), /is not valid JSON/);
});

test("every leaf field has an environment variable", () => {
  const names = configFields().map((f) => f.envName);
  assert.ok(names.includes("IDEASTEER_LIBRARY_DB_PATH"));
  assert.ok(names.includes("IDEASTEER_LLM_BASE_URL"));
  assert.equal(new Set(names).size, names.length);
});
