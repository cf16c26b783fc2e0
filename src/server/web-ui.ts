import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hono } from "hono";

/** Where `npm ci` (vite build) puts the UI: <package>/web/dist, two folders above this module in src/ and dist/. */
export const WEB_UI_DIR = fileURLToPath(new URL("../../web/dist", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};
// Paper text reaches the page: no inline scripts, nothing from other origins (React escapes text; this is the backstop).
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

type Asset = { type: string; body: Uint8Array; immutable: boolean };

/**
 * GET / and its assets: the built UI is read once into memory (a few hundred KB), so a request can only ever name a
 * file that was in the build: no path from the URL touches the disk.
 */
export function mountWebUi(app: Hono, dir: string = WEB_UI_DIR): void {
  const assets = loadAssets(dir);
  const index = assets.get("/index.html");
  const send = (a: Asset) =>
    new Response(a.body, {
      headers: {
        "Content-Type": a.type,
        "Cache-Control": a.immutable ? "public, max-age=31536000, immutable" : "no-cache",
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
      },
    });
  app.get("/", () =>
    index
      ? send(index)
      : new Response(`the web UI is not built in ${dir}: run npm run build:web\n`, {
          status: 503,
          headers: { "Content-Type": "text/plain; charset=utf-8" },
        }),
  );
  app.get("/assets/*", (c, next) => {
    const a = assets.get(c.req.path);
    return a ? send(a) : next();
  });
}

function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  if (!existsSync(join(dir, "index.html"))) return out;
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = join(dir, rel, name);
      if (statSync(path).isDirectory()) walk(`${rel}/${name}`);
      else if (TYPES[extname(name)])
        out.set(`${rel}/${name}`, {
          type: TYPES[extname(name)] as string,
          body: readFileSync(path),
          immutable: rel.startsWith("/assets"), // vite names them by content hash
        });
    }
  };
  walk("");
  return out;
}
