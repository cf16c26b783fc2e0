#!/usr/bin/env node
// Builds one part of the package (native | ts | web) unless its output is newer than every input.
// npm runs it at install and prepare, and npm 11 runs those again when `npx ideasteer` in the
// checkout installs the checkout into npx's cache: after `npm ci` that must cost nothing, and it
// must not rebuild files that running processes (a test suite) are using.
// Usage: node scripts/build-if-stale.mjs native|ts|web [--force | --check]   (--check: exit 1 when stale, build nothing)
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const PARTS = {
  native: {
    output: "native/build/Release/ideasteer_engine.node",
    inputs: ["native/src", "native/binding.gyp"],
    build: () => run("node-gyp", ["rebuild", "--directory", "native"]),
  },
  ts: {
    output: "dist/index.js",
    inputs: ["src", "tsconfig.json", "tsconfig.build.json", "package.json"],
    build: () => {
      rmSync(join(root, "dist"), { recursive: true, force: true }); // no stale modules in the package
      run("tsc", ["-p", "tsconfig.build.json"]);
      chmodSync(join(root, "dist", "cli", "main.js"), 0o755); // the package's bin, linked by npm before a rebuild
    },
  },
  // The web UI that `ideasteer serve` serves at / (vite empties web/dist first).
  web: {
    output: "web/dist/index.html",
    inputs: ["web/src", "web/index.html", "web/vite.config.ts", "package.json"],
    build: () => run("vite", ["build", "--config", "web/vite.config.ts"]),
  },
};

function newestMtimeMs(path) {
  const p = join(root, path);
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(p).reduce((m, n) => Math.max(m, newestMtimeMs(join(path, n))), s.mtimeMs);
}

// The checkout's own tools when installed (node_modules/.bin), else PATH (npm puts node-gyp there for install scripts).
function run(cmd, args) {
  const local = join(root, "node_modules", ".bin", cmd);
  const r = spawnSync(existsSync(local) ? local : cmd, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const [name, flag] = process.argv.slice(2);
const part = PARTS[name];
if (!part) {
  console.error("usage: node scripts/build-if-stale.mjs native|ts|web [--force | --check]");
  process.exit(2);
}
const out = join(root, part.output);
const fresh = existsSync(out) && statSync(out).mtimeMs > Math.max(...part.inputs.map(newestMtimeMs));
if (flag === "--check") {
  if (!fresh) {
    console.error(`${part.output} is older than its sources: run npm run build`);
    process.exit(1);
  }
} else if (fresh && flag !== "--force") console.log(`${part.output} is up to date`);
else part.build();
