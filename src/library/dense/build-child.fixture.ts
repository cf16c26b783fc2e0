// A dense-index build in its own process, for the kill-and-resume test: prints "embedded <n>" after each batch
// and "done <embedded this run>" at the end. Usage: tsx build-child.fixture.ts <library.sqlite> <batch>
import { DenseIndex } from "../index.js";

const [path, batch] = process.argv.slice(2) as [string, string];
const dense = DenseIndex.open(path);
const r = await dense.build({
  batch: Number(batch),
  fit: { dim: 16 },
  onProgress: (done) => process.stdout.write(`embedded ${done}\n`),
});
process.stdout.write(`done ${r.embedded}\n`);
dense.close();
