import assert from "node:assert/strict";
import { test } from "node:test";
import { type SseEvent, sseEvents } from "./sse-events.js";

async function collect(chunks: Uint8Array[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  async function* gen() {
    yield* chunks;
  }
  for await (const ev of sseEvents(gen())) out.push(ev);
  return out;
}

const STREAM =
  ": keep-alive comment\n" +
  'data: {"text":"héllo ☃"}\n\n' +
  "event: ping\r\ndata: one\r\ndata: two\r\n\r\n" +
  "data:no-space\r\rdata: [DONE]\n\n";
const EXPECTED: SseEvent[] = [
  { event: undefined, data: '{"text":"héllo ☃"}' },
  { event: "ping", data: "one\ntwo" },
  { event: undefined, data: "no-space" },
  { event: undefined, data: "[DONE]" },
];

test("sseEvents frames events the same however the bytes are split (inside lines, \\r\\n pairs and UTF-8 characters)", async () => {
  const bytes = new TextEncoder().encode(STREAM);
  assert.deepEqual(await collect([bytes]), EXPECTED);
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(await collect([bytes.slice(0, cut), bytes.slice(cut)]), EXPECTED, `split at byte ${cut}`);
  }
  assert.deepEqual(await collect([...bytes].map((b) => Uint8Array.of(b))), EXPECTED, "one byte per chunk");
});

test("sseEvents drops an event cut off by the end of the stream (a dropped connection yields no half JSON)", async () => {
  const bytes = new TextEncoder().encode('data: {"a":1}\n\ndata: {"b":');
  assert.deepEqual(await collect([bytes]), [{ event: undefined, data: '{"a":1}' }]);
});
