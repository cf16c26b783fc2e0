import assert from "node:assert/strict";
import { test } from "node:test";
import { StopText } from "./stop-text.js";

test("cuts at the first stop sequence, even one split across pieces, and never streams it", () => {
  const s = new StopText(["\n\n", "END"]);
  const streamed = ["Title: A", "n idea E", "N", "D more"].map((p) => s.push(p)).join("");
  assert.equal(s.text, "Title: An idea ");
  assert.ok(s.stopped);
  assert.equal(streamed + s.flush(), "Title: An idea ");
});

test("holds back only what could still start a stop sequence", () => {
  const s = new StopText(["</s>"]);
  assert.equal(s.push("a <"), "a ");
  assert.equal(s.push("b"), "<b");
  assert.equal(s.push("</"), "");
  assert.equal(s.push("x"), "</x");
  assert.equal(s.flush(), "");
  assert.equal(s.text, "a <b</x");
  assert.ok(!s.stopped);
});

test("without stop sequences everything streams at once; empty stops are refused", () => {
  const s = new StopText([]);
  assert.equal(s.push("abc"), "abc");
  assert.throws(() => new StopText([""]), /must not be empty/);
});
