import nodemailer from "nodemailer";
import type { DigestEmail } from "./compose-email.js";

/** A composed digest with its sender and Message-ID (recorded in the ledger before the SMTP call). */
export type OutgoingEmail = DigestEmail & { from: string; messageId: string };
/** Hands one email to a mail server; resolves once the server accepted it, with the server's reply. */
export type SendEmail = (email: OutgoingEmail) => Promise<{ response: string }>;

export type SmtpOptions = {
  host: string;
  port: number;
  secure: boolean; // TLS from the first byte (465); false: STARTTLS when offered
  user?: string; // empty: no login
  pass?: string;
  timeoutS: number; // connecting, the greeting, and silence on the connection, each
};

/** An SMTP sender (nodemailer's SMTP transport, one connection per email); close() when done. */
export function openSmtpSender(o: SmtpOptions): { send: SendEmail; close(): void } {
  const timeoutMs = Math.round(o.timeoutS * 1000);
  const transport = nodemailer.createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure,
    auth: o.user ? { user: o.user, pass: o.pass ?? "" } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    send: async (e) => {
      const info = await transport.sendMail({
        from: e.from,
        to: e.to,
        subject: e.subject,
        text: e.text,
        html: e.html,
        headers: e.headers,
        messageId: e.messageId,
      });
      return { response: info.response };
    },
    close: () => transport.close(),
  };
}

// Errors raised before any message byte reached the server: no connection, no TLS, no login, a bad envelope.
const BEFORE_MESSAGE_CODES = new Set(["EDNS", "ETLS", "EAUTH", "ENOAUTH", "EENVELOPE", "EREQUIRETLS", "ECONFIG"]);
const BEFORE_MESSAGE_TIMEOUTS = new Set(["CONNECT_TIMEOUT", "GREETING_TIMEOUT", "UPGRADE_TIMEOUT"]);

type SmtpError = { code?: string; responseCode?: number; syscall?: string; timeoutType?: string };

/**
 * True when a failed send surely did not deliver: the server answered with a refusal (a reply code), or the error
 * came before the message could reach it (connect refused, DNS, TLS, login, envelope, a connect or greeting
 * timeout). Anything else (the connection dropped or went silent mid-message) may have delivered it, so the
 * ledger keeps it in `sending`, like a crash: at most once.
 */
export function isSurelyUndelivered(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as SmtpError;
  if (typeof e.responseCode === "number" && e.responseCode >= 400) return true; // 4xx/5xx: the server said no
  if (e.syscall === "connect" || e.syscall === "getaddrinfo") return true;
  if (e.code !== undefined && BEFORE_MESSAGE_CODES.has(e.code)) return true;
  return e.timeoutType !== undefined && BEFORE_MESSAGE_TIMEOUTS.has(e.timeoutType);
}
