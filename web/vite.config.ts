import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The UI is built into web/dist, which `ideasteer serve` serves at / (src/server/web-ui.ts).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  logLevel: "warn",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, target: "es2022", reportCompressedSize: false },
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
});
