import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { type Scores, weightedSum, weightsFrom } from "../idea/index.js";
import { loadRewardModel, scoreIdeas } from "../reward/index.js";
import { SAMPLE_IDEA_TEXT, startTestServer, tempDir, writeSftDataset } from "../testing/index.js";
import { openRlhfPromptRows } from "./export-rl-prompts.js";

// What OpenRLHF does with a row (openrlhf/datasets/prompts_dataset.py with --apply_chat_template): the tokenizer's
// chat template over `messages` with add_generation_prompt; here ChatML, as Qwen's template writes it.
const chatml = (messages: { role: string; content: string }[]) =>
  `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join("")}<|im_start|>assistant\n`;

test("exported RL prompts round-trip through the reward route as OpenRLHF sends them: weights from the label, prompt stripped", async (t) => {
  const dir = tempDir(t);
  const dataset = writeSftDataset(join(dir, "dataset"), { train: 6, val: 2 });
  const rows = openRlhfPromptRows(join(dataset, "sft.train.jsonl"), { seed: 3 });
  assert.ok(rows.length >= 2);
  assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, "one row per paper");
  for (const r of rows) {
    assert.equal(r.messages[0]?.role, "system");
    assert.match(r.messages[1]?.content ?? "", /Title: /, "the paper is in the user turn, fenced");
    const w = weightsFrom(r.label) as Scores;
    assert.ok(Math.abs(w.novelty + w.feasibility + w.effectiveness - 1) < 1e-3);
  }
  assert.notEqual(rows[0]?.label, rows[1]?.label, "weights are sampled per prompt");

  const model = loadRewardModel();
  const server = await startTestServer(t, { rewards: { model } });
  const prompts = rows.map((r) => chatml(r.messages));
  const res = await fetch(`${server.url}/reward/openrlhf`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: prompts.map((p) => `${p}${SAMPLE_IDEA_TEXT}<|im_end|>`),
      prompts,
      labels: rows.map((r) => r.label),
    }),
  });
  assert.equal(res.status, 200);
  const { rewards } = (await res.json()) as { rewards: number[] };
  const [s] = (await scoreIdeas([SAMPLE_IDEA_TEXT], { model })) as [Scores];
  rows.forEach((r, i) => {
    const w = weightsFrom(r.label) as Scores;
    assert.ok(Math.abs((rewards[i] as number) - weightedSum(s, w)) < 1e-9, `row ${i}`);
  });
});
