import assert from "node:assert/strict";
import { test } from "node:test";
import type { ControlVector } from "../llm/index.js";
import { createLayoutGuard, writingLabel } from "./index.js";

test("the layout guard keeps the control vector off while a line's label is written and on for its content", () => {
  const log: string[] = [];
  const v: ControlVector = [undefined, new Float32Array(2)];
  const guard = createLayoutGuard({
    setControlVector: () => log.push("on"),
    clearControlVector: () => log.push("off"),
  });
  guard.steer(v, "");
  for (const text of [
    "Title",
    "Title:",
    "Title: A",
    "Title: A\n",
    "Title: A\nMeth",
    "Title: A\nMethod: we",
    "Title: A\nMethod: we do",
  ])
    guard.sync(text);
  guard.end();
  // on at "Title:", off at the new line, on at "Method:", off at the end; nothing set twice.
  assert.deepEqual(log, ["on", "off", "on", "off"]);
  assert.equal(writingLabel("Title: x\n- Dataset Preparation"), true);
  assert.equal(writingLabel("Title: x\n- Dataset Preparation: y"), false);
});
