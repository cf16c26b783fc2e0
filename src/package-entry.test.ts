import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * The package as a user gets it: `npm pack` of this checkout, installed into a scratch project
 * (npm builds the native addon from the sources the tarball carries), then `import("ideasteer")`
 * by name. The scratch script lists the API, runs a forward pass of the shipped model through the
 * engine's native kernels, and searches a library it ingests.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const USER_SCRIPT = `
import * as api from "ideasteer";
const { engine, ingestFiles, PaperStore, parseIdea, renderIdea, SHIPPED_MODEL_PATH } = api;
const out = { keys: Object.keys(api).sort(), modelPath: SHIPPED_MODEL_PATH };

// a forward pass of the shipped model: GGUF -> engine model -> logits
const gguf = engine.readLlamaGguf(SHIPPED_MODEL_PATH);
const model = engine.createLlama(gguf.config, { seed: 0 });
engine.loadLlamaWeights(model, gguf.weights);
const tokens = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const logits = model.logits(tokens, 1, 8);
out.forward = { vocab: gguf.config.vocabSize, values: logits.length, finite: logits.every(Number.isFinite) };

// a library search over papers ingested from a listing file
const store = PaperStore.open(process.argv[2] + "/lib.sqlite");
await ingestFiles({ store, inputs: [process.argv[2] + "/papers.jsonl"] });
out.search = store.search("steerable idea generation", { limit: 3 }).map((h) => h.id);
store.close();

const idea = { title: "T", method: "M", experimentPlan: { datasets: "D", baselines: "B", evaluation: "E" } };
out.ideaRoundTrip = JSON.stringify(parseIdea(renderIdea(idea))) === JSON.stringify(idea);
console.log(JSON.stringify(out));
`;

const words = (topic: string) =>
  Array.from({ length: 40 }, (_, i) => `${topic}${i % 7 === 0 ? "" : ` w${i}`}`).join(" ");
const PAPERS = [
  { id: "p1", title: "Steerable research idea generation with reward models", abstract: words("steerable ideas") },
  { id: "p2", title: "Protein folding at scale", abstract: words("protein structures") },
];

test("the packed tarball installs in a scratch project and works by name", { timeout: 20 * 60_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), "ideasteer-pack-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // npm test builds dist/ before the tests; rebuilding here would pull it from under other tests
  execFileSync("node", ["scripts/build-if-stale.mjs", "ts", "--check"], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz")) ?? "");

  const project = join(dir, "project");
  execFileSync("mkdir", [project]);
  const allowScripts = { [`file:${tarball}`]: true, "better-sqlite3": true, koffi: true, "node-llama-cpp": false };
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "scratch", private: true, allowScripts }));
  execFileSync("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd: project,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, JOBS: "max" }, // node-gyp compiles the addons' sources in parallel
  });
  writeFileSync(join(project, "papers.jsonl"), PAPERS.map((p) => JSON.stringify(p)).join("\n"));
  writeFileSync(join(project, "user.mjs"), USER_SCRIPT);
  const out = JSON.parse(execFileSync("node", ["user.mjs", project], { cwd: project, encoding: "utf8" }));

  for (const name of ["PaperStore", "ingestFiles", "openBackend", "renderIdea", "DIMENSIONS", "buildDatasets"])
    assert.ok(out.keys.includes(name), `the package exports ${name}`);
  for (const name of [
    "judgeIdea",
    "retrievalNovelty",
    "engine",
    "SHIPPED_MODEL_PATH",
    "repairIdea",
    "scoreIdeas",
    "generateIdeas",
    "IdeaStore",
  ])
    assert.ok(out.keys.includes(name), `the package exports ${name}`);
  for (const name of ["writeRandomLlamaModel", "referenceLogits", "openSampleLibrary", "gradCheck"])
    assert.ok(!out.keys.includes(name), `test helper ${name} stays out of the package`);
  assert.ok(out.modelPath.startsWith(join(project, "node_modules", "ideasteer", "models")));
  assert.deepEqual(out.forward, { vocab: out.forward.vocab, values: 8 * out.forward.vocab, finite: true });
  assert.equal(out.search[0], "p1");
  assert.equal(out.ideaRoundTrip, true);
});
