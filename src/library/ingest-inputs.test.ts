import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { InputError } from "../core/index.js";
import { tempDir } from "../testing/index.js";
import { ingestFiles } from "./ingest.js";
import { PaperStore } from "./store/paper-store.js";

const rec = (id: string) => JSON.stringify({ id, title: `Paper ${id} on sparse experts`, abstract: "An abstract." });
const names = (files: { file: string }[], dir: string) => files.map((f) => f.file.slice(dir.length + 1));

function setup(t: import("node:test").TestContext) {
  const dir = tempDir(t);
  const store = PaperStore.open(join(dir, "library.sqlite"));
  t.after(() => store.close());
  return { dir, store };
}

// Before the fix the walk read /dev/urandom through a link and never returned: the timeout turns that into a failure.
test("a directory walk reads only regular files and follows no link out of its tree", {
  timeout: 10_000,
}, async (t) => {
  const { dir, store } = setup(t);
  const tree = join(dir, "in");
  mkdirSync(join(tree, "sub"), { recursive: true });
  mkdirSync(join(dir, "outside"));
  writeFileSync(join(tree, "a.jsonl"), rec("t/a"));
  writeFileSync(join(tree, "sub", "b.jsonl"), rec("t/b"));
  writeFileSync(join(dir, "outside", "c.jsonl"), rec("t/c"));
  symlinkSync(join(tree, "sub", "b.jsonl"), join(tree, "inside.jsonl")); // inside the tree: followed
  symlinkSync(join(tree, "sub"), join(tree, "loop")); // a second way into sub/: read once
  symlinkSync(join(dir, "outside", "c.jsonl"), join(tree, "out.jsonl"));
  symlinkSync("/etc/passwd", join(tree, "passwd.txt"));
  symlinkSync("/dev/urandom", join(tree, "random.jsonl"));
  execFileSync("mkfifo", [join(tree, "pipe.jsonl")]); // nobody writes: reading it would block forever

  const r = await ingestFiles({ store, inputs: [tree] });
  assert.deepEqual(
    r.files.filter((f) => f.warning === null).map((f) => [f.file.slice(dir.length + 1), f.inserted + f.updated]),
    [
      ["in/a.jsonl", 1],
      ["in/inside.jsonl", 1], // sub/b.jsonl under its first name; loop/ and sub/ then list nothing new
    ],
  );
  const passed = new Map(
    r.files.filter((f) => f.warning !== null).map((f) => [f.file.slice(tree.length + 1), f.warning]),
  );
  assert.deepEqual([...passed.keys()].sort(), ["out.jsonl", "passwd.txt", "pipe.jsonl", "random.jsonl"]);
  assert.match(passed.get("passwd.txt") ?? "", /symbolic link to \/etc\/passwd, outside .*; not followed/);
  assert.match(passed.get("random.jsonl") ?? "", /link to \/dev\/urandom/);
  assert.match(passed.get("pipe.jsonl") ?? "", /a named pipe; only regular files are read/);
  assert.deepEqual([store.count(), r.failedFiles, r.emptyFiles], [2, 0, 0]);

  // followLinks reads the outside file, and still no device; a device named outright is refused, the rest read.
  const followed = await ingestFiles({ store, inputs: [tree], followLinks: true });
  assert.ok(names(followed.files, tree).includes("out.jsonl"));
  assert.equal(store.get("t/c")?.id, "t/c");
  assert.match(followed.files.find((f) => f.file.endsWith("random.jsonl"))?.warning ?? "", /a character device/);
  if (existsSync("/dev/zero")) {
    const named = await ingestFiles({ store, inputs: ["/dev/zero", join(tree, "a.jsonl")], force: true });
    assert.match(named.files[0]?.error ?? "", /\/dev\/zero: a character device; only regular files are read/);
    assert.deepEqual([named.failedFiles, named.files[1]?.unchanged], [1, 1]);
  }
});

test("no file is read past its size or past library.maxFileBytes", async (t) => {
  const { dir, store } = setup(t);
  const big = join(dir, "big.jsonl");
  writeFileSync(big, Array.from({ length: 40 }, (_, i) => rec(`t/${i}`)).join("\n"));
  const r = await ingestFiles({ store, inputs: [big], maxFileBytes: 1024 });
  assert.match(r.files[0]?.error ?? "", /the file is \d+ bytes, over the 1024-byte limit; not read/);
  assert.deepEqual([r.failedFiles, store.count()], [1, 0]);
  await assert.rejects(ingestFiles({ store, inputs: [big], maxFileBytes: 1024, strict: true }), InputError);
});

test("zero-paper inputs are warned about and counted; a missing path is reported and the rest ingested", async (t) => {
  const { dir, store } = setup(t);
  const empty = join(dir, "empty.jsonl");
  writeFileSync(empty, "");
  const short = join(dir, "short.txt"); // abstracts of 12 words: under the listing's 30-word minimum
  writeFileSync(short, "A title\n\nA short abstract of twelve words that is not long enough.\n".repeat(3));
  const garbage = join(dir, "garbage.txt");
  writeFileSync(garbage, "%%% ??? @@@\n\x01\x02 not a listing at all\n");
  const emptyDir = join(dir, "nothing");
  mkdirSync(emptyDir);
  writeFileSync(join(emptyDir, "image.png"), "x");
  const good = join(dir, "good.jsonl");
  writeFileSync(good, [rec("t/1"), rec("t/2")].join("\n"));
  const missing = join(dir, "missing.jsonl");

  const r = await ingestFiles({ store, inputs: [missing, empty, short, garbage, emptyDir, good] });
  assert.equal(store.count(), 2, "the missing path did not stop the others");
  assert.deepEqual(names(r.files, dir), [
    "missing.jsonl",
    "empty.jsonl",
    "short.txt",
    "garbage.txt",
    "nothing",
    "good.jsonl",
  ]);
  assert.match(r.files[0]?.error ?? "", /missing\.jsonl: no such file or directory/);
  assert.equal(r.files[1]?.warning, "the file is empty");
  assert.match(r.files[2]?.warning ?? "", /no papers found \(listing\): .* abstract line of at least 30 words/);
  assert.match(r.files[3]?.warning ?? "", /no papers found \(listing\)/);
  assert.match(r.files[4]?.warning ?? "", /no files with a known extension/);
  assert.deepEqual([r.failedFiles, r.emptyFiles, r.inserted], [1, 4, 2]);
  await assert.rejects(ingestFiles({ store, inputs: [missing, good], strict: true }), /no such file or directory/);
});
