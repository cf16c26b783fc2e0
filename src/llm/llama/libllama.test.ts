import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import koffi from "koffi";
import { tempDir } from "../../testing/index.js";
import { cStructLayout } from "./c-struct-layout.js";
import { extractFromLlamaBundle } from "./llama-bundle.js";
import { defineLlamaStructs } from "./llama-structs.js";

// Typedefs llama.h uses in these structs that are pointers (opaque handles, callbacks).
const POINTER_TYPEDEFS = new Set([
  "ggml_backend_dev_t",
  "llama_progress_callback",
  "ggml_backend_sched_eval_callback",
  "ggml_abort_callback",
]);

test("koffi struct layouts match the pinned llama.h field by field", (t) => {
  const dir = tempDir(t, "ideasteer-llama-h-");
  const got = extractFromLlamaBundle({ dir, paths: ["include/llama.h"] });
  if (!got.ok) return t.skip(got.why);
  const header = readFileSync(join(dir, "include/llama.h"), "utf8");
  const structs = defineLlamaStructs();
  const cases = [
    ["llama_model_params", structs.modelParams, 80],
    ["llama_context_params", structs.contextParams, 160],
    ["llama_batch", structs.batch, 56],
    ["llama_token_data", structs.tokenData, 12],
    ["llama_token_data_array", structs.tokenDataArray, 32],
  ] as const;
  for (const [name, type, measuredSize] of cases) {
    const c = cStructLayout(header, name, POINTER_TYPEDEFS);
    assert.equal(c.size, measuredSize, `${name}: header layout size`);
    assert.equal(koffi.sizeof(type), c.size, `${name}: koffi size`);
    const members = Object.values(type.members ?? {});
    assert.deepEqual(
      members.map((m) => m.name),
      c.fields.map((f) => f.name),
      `${name}: field names and order`,
    );
    for (const f of c.fields) {
      assert.equal(koffi.offsetof(type, f.name), f.offset, `${name}.${f.name}: offset`);
      assert.equal(koffi.sizeof(type.members![f.name].type), f.size, `${name}.${f.name}: size`);
    }
  }
});

test("the C layout reader pads and aligns like the compiler", () => {
  const h = "struct s { bool a; int32_t b; bool c; void * d; char e; }; struct t { int8_t x; };";
  const s = cStructLayout(h, "s", new Set());
  assert.deepEqual(
    s.fields.map((f) => [f.name, f.offset]),
    [
      ["a", 0],
      ["b", 4],
      ["c", 8],
      ["d", 16],
      ["e", 24],
    ],
  );
  assert.equal(s.size, 32);
  assert.throws(() => cStructLayout("struct u { mystery_t m; };", "u", new Set()), /unknown C type "mystery_t"/);
});
