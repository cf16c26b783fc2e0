import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { SHIPPED_TFIDF_MODEL_DIR } from "../../reward/index.js";
import { loadControllerSet, staticSteering } from "../../steer/index.js";
import { runCli, tempDir } from "../../testing/index.js";

const CONTROLLERS = fileURLToPath(new URL("../../../models/policy-rl/controllers-per-dimension", import.meta.url));
const WORDS = ["novel unprecedented", "simple practical", "strong accurate"];

test("steer calibrate fits the controllers' response from saved ideas and static control applies the calibration", (t) => {
  const home = tempDir(t);
  const source = join(home, "controllers");
  cpSync(CONTROLLERS, source, { recursive: true });
  // Saved ideas as eval control writes them: 6 papers x the 15 grid weights, the text leaning where the weight is.
  const lines: string[] = [];
  for (let paper = 0; paper < 6; paper++)
    for (let a = 0; a <= 4; a++)
      for (let b = 0; a + b <= 4; b++) {
        const w = [a / 4, b / 4, (4 - a - b) / 4];
        const lean = WORDS.map((x, k) =>
          Array(Math.round(4 * (w[k] as number)))
            .fill(x)
            .join(" "),
        ).join(" ");
        const text = `Title: Study ${paper}\nMethod: A ${lean} method for graphs ${paper}.`;
        const weights = { novelty: w[0], feasibility: w[1], effectiveness: w[2] };
        lines.push(JSON.stringify({ system: "c", paper, paperId: `p${paper}`, weights, text }));
        lines.push(JSON.stringify({ system: "other", paper, weights, text: "Title: x" }));
      }
  const ideas = join(home, "ideas.jsonl");
  writeFileSync(ideas, `${lines.join("\n")}\n`);
  const out = join(home, "calibrated");
  const args = ["steer", "calibrate", "--ideas", ideas, "--controllers", source, "--rm", SHIPPED_TFIDF_MODEL_DIR];
  const r = runCli(home, [...args, "--system", "c", "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^90 ideas of 6 papers/);
  const saved = JSON.parse(readFileSync(join(out, "controllers.json"), "utf8"));
  assert.equal(saved.calibration.matrix.length, 3);
  assert.equal(saved.epsMax, 0.1, "the source's settings are kept");

  // Static control now applies u = 1/3 + C (w − 1/3): equal weights unchanged, a vertex not.
  const plain = loadControllerSet(source);
  const calibrated = loadControllerSet(out);
  const at = (w: number[]) => ({ novelty: w[0] as number, feasibility: w[1] as number, effectiveness: w[2] as number });
  assert.deepEqual(
    staticSteering(calibrated, at([1 / 3, 1 / 3, 1 / 3])).eps.map((x) => x.toFixed(9)),
    staticSteering(plain, at([1 / 3, 1 / 3, 1 / 3])).eps.map((x) => x.toFixed(9)),
  );
  assert.notDeepEqual(staticSteering(calibrated, at([1, 0, 0])).eps, staticSteering(plain, at([1, 0, 0])).eps);

  // Bad input: a system with no ideas, a line that is not JSON.
  const none = runCli(home, [...args, "--system", "missing", "--out", join(home, "x")]);
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /fewer than 2 papers with ideas of system missing/);
  writeFileSync(ideas, `${lines[0]}\n{not json\n`);
  const broken = runCli(home, [...args, "--system", "c", "--out", join(home, "y")]);
  assert.notEqual(broken.status, 0);
  assert.match(broken.stderr, /line 2 is not JSON/);
});
