import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { tempDir } from "../testing/index.js";
import { openMetricsLog, readMetrics, truncateStepLog } from "./metrics-log.js";
import { niceTicks, renderMetricsSvg } from "./metrics-svg.js";

test("renders valid SVG with the train, val and lr series, axes and a legend", (t) => {
  const dir = tempDir(t);
  const log = openMetricsLog(join(dir, "metrics.jsonl"));
  for (let s = 0; s < 50; s++) {
    if (s % 10 === 0) log.write(s, { "loss/val": 6 - s / 20 });
    log.write(s, { "loss/train": 6 - s / 15, lr: 1e-3 * Math.min(1, (s + 1) / 5), "grad/norm": 1 });
  }
  const svg = renderMetricsSvg(readMetrics(log.path), { title: "pretrain <test>" });
  assert.equal(XMLValidator.validate(svg), true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute,
  }).parse(svg);
  const panels = doc.svg[0].g;
  assert.equal(panels.length, 2);
  const keys = panels.map((p: { path: { "@_data-key": string }[] }) => p.path.map((x) => x["@_data-key"]));
  assert.deepEqual(keys, [["loss/train", "loss/val"], ["lr"]]);
  const lossPath: string = panels[0].path[0]["@_d"];
  assert.equal(lossPath.split(" ").length, 50); // one vertex per logged step
  assert.equal(panels[0].path[1]["@_d"].split(" ").length, 5);
  const legends = panels[0].text
    .filter((x: { "@_class"?: string }) => x["@_class"] === "legend")
    .map((x: { "#text": string }) => x["#text"]);
  assert.deepEqual(legends, ["loss/train", "loss/val"]);
  assert.ok(svg.includes("pretrain &#60;test&#62;"));
  // Lower loss is drawn higher up the page reversed: the last point of loss/train sits below (larger y) the first.
  const ys = lossPath.split(" ").map((p) => Number(p.slice(1).split(",")[1]));
  assert.ok((ys[49] as number) > (ys[0] as number));
});

test("ticks are round numbers covering the range", () => {
  assert.deepEqual(niceTicks(0, 100, 5), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(2.13, 2.71, 5), [2, 2.2, 2.4, 2.6, 2.8]);
});

test("a cut-off last line is dropped; truncation keeps the steps before a resume point", (t) => {
  const path = join(tempDir(t), "m.jsonl");
  writeFileSync(path, '{"step":0,"loss/train":5}\n{"step":1,"loss/train":4}\n{"step":2,"loss/tr');
  assert.deepEqual(
    readMetrics(path).map((r) => r.step),
    [0, 1],
  );
  truncateStepLog(path, 1);
  assert.deepEqual(readMetrics(path), [{ step: 0, "loss/train": 5 }]);
});
