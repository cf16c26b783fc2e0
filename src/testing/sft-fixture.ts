import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type FixturePair = { id: string; supportingId: string; prompt: string; target: string };

const TOPICS = ["graph neural networks", "diffusion models", "speech recognition", "robot grasping", "protein folding"];

/** SFT pairs whose idea repeats its paper's topic: a model can only predict the topic by reading the paper. */
export function topicPairs(n: number, offset = 0): FixturePair[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const topic = TOPICS[i % TOPICS.length] as string;
    return {
      id: `p${i}`,
      supportingId: `s${i}`,
      prompt: `<|paper|>Title: Study ${i} of ${topic}\nAbstract: We study ${topic} in setting ${i % 3}.<|idea|>`,
      target: `Title: Better ${topic}\nMethod: Extend ${topic} with a new loss.`,
    };
  });
}

/** A dataset folder as `data build` lays it out, with `train` and `val` topic pairs (no card: tests pass the folder). */
export function writeSftDataset(dir: string, o: { train: number; val: number }): string {
  mkdirSync(dir, { recursive: true });
  const jsonl = (rows: FixturePair[]) => rows.map((r) => JSON.stringify(r)).join("\n");
  writeFileSync(join(dir, "sft.train.jsonl"), jsonl(topicPairs(o.train)));
  writeFileSync(join(dir, "sft.val.jsonl"), jsonl(topicPairs(o.val, 100)));
  return dir;
}
