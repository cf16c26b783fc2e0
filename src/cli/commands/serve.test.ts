import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { LlmConfig } from "../../config/index.js";
import { openOpenAi } from "../../llm/index.js";
import { tempDir, tinyLlamaConfig, writeRandomLlamaModel } from "../../testing/index.js";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

test("ideasteer serve: a GGUF file served under /v1 until SIGTERM, reachable by the openai backend", {
  timeout: 120_000,
}, async (t) => {
  const home = tempDir(t);
  const modelPath = join(home, "tiny-model.gguf");
  writeRandomLlamaModel(modelPath, {
    config: tinyLlamaConfig({ nLayers: 1, nHeads: 2, nKvHeads: 2, contextLength: 128, tiedEmbeddings: true }),
    seed: 9,
  });
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      MAIN,
      "--home",
      home,
      "--log-level",
      "warn",
      "serve",
      "--backend",
      "llama",
      "--model-path",
      modelPath,
      "--port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_NO_WARNINGS: "1" } },
  );
  t.after(() => child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
      const m = /at (http:\/\/\S+\/v1)[,\n]/.exec(stdout);
      if (m) resolve(m[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  assert.match(
    stdout,
    /^serving tiny-model \(llama:tiny-model\.gguf\) at http:\/\/127\.0\.0\.1:\d+\/v1, ideas at http:\/\/127\.0\.0\.1:\d+\/api\/ideas$/m,
  );

  const client = await openOpenAi({ llm: LlmConfig.parse({ baseUrl: url, model: "", cache: "off" }) });
  assert.equal(client.model, "tiny-model");
  const g = await client.chat([{ role: "user", content: "hi" }], { maxTokens: 3, temperature: 0 });
  assert.equal(g.usage.completionTokens, 3);

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0, stderr);
});
