import { Hono } from "hono";
import { z } from "zod";
import type { Logger } from "../core/index.js";
import { type DigestStore, escapeHtml, type Subscription, UNSUBSCRIBE_TOKEN } from "../digest/index.js";

/** What the unsubscribe routes need of the digest's store. */
export type DigestApiDeps = { store: Pick<DigestStore, "findByToken" | "unsubscribe"> };

// The token is 32 hex digits; anything longer is refused before it is looked at.
export const UnsubscribeQuery = z.object({
  token: z.string().max(64).describe("the token from the digest email's link"),
});

// The page holds a button that changes state: no framing (clickjacking), no scripts, no referrer (the URL holds the token).
const PAGE_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

/**
 * The digest's unsubscribe link, authorised by its unguessable token alone (mounted before the bearer token check):
 * GET /digest/unsubscribe?token= answers a page with a confirm button and changes nothing (mail scanners and link
 * previews fetch links); POST /digest/unsubscribe?token= (that button, or a mail client's RFC 8058 one-click POST
 * with the body List-Unsubscribe=One-Click) unsubscribes. An unknown or malformed token is a 404.
 */
export const digestRoutes = ({ store }: DigestApiDeps, log: Logger) => {
  const subscriptionOf = (raw: string | undefined): Subscription | null => {
    const token = UnsubscribeQuery.safeParse({ token: raw ?? "" });
    return token.success && UNSUBSCRIBE_TOKEN.test(token.data.token) ? store.findByToken(token.data.token) : null;
  };
  return new Hono()
    .get("/unsubscribe", (c) => {
      const s = subscriptionOf(c.req.query("token"));
      if (!s) return notFound();
      const body = s.unsubscribedAt
        ? `<p>${esc(s.email)} is already unsubscribed from the digest for <strong>${esc(s.query)}</strong>.</p>`
        : `<p>Stop mailing ${esc(s.email)} the digest for <strong>${esc(s.query)}</strong>?</p>
<form method="post" action="?token=${encodeURIComponent(s.token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`;
      return page(200, "Unsubscribe", body);
    })
    .post("/unsubscribe", (c) => {
      const s = subscriptionOf(c.req.query("token"));
      if (!s) return notFound();
      const done = store.unsubscribe(s.token) as Subscription;
      log.info("digest unsubscribe", { subscription: done.id });
      return page(
        200,
        "Unsubscribed",
        `<p>${esc(done.email)} will get no more digests for <strong>${esc(done.query)}</strong>.</p>`,
      );
    });
};

const esc = escapeHtml;

const notFound = () =>
  page(
    404,
    "Unknown link",
    "<p>This unsubscribe link is not valid: its token is unknown or malformed. Use the link from the latest digest email, whole.</p>",
  );

const page = (status: number, title: string, body: string) =>
  new Response(
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>\n`,
    { status, headers: PAGE_HEADERS },
  );
