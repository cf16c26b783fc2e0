import type { TestContext } from "node:test";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type ReceivedEmail = { to: string[]; raw: string; mail: ParsedMail };
/** What the sink does once a whole message is in, before it answers: accept (250), refuse (554), or never answer. */
export type SinkAnswer = "accept" | "refuse" | "hang";

export type SmtpSink = { port: number; received: ReceivedEmail[]; close(): Promise<void> };

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 at a free port that keeps every message it receives, parsed with
 * mailparser. No TLS and no login needed. `onMessage` runs when a whole message is in and before the server answers:
 * a test can kill the sender there, or refuse the message.
 */
export async function startSmtpSink(
  t: TestContext,
  o: { onMessage?: (m: ReceivedEmail) => SinkAnswer | undefined } = {},
): Promise<SmtpSink> {
  const received: ReceivedEmail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"], // nodemailer would upgrade to TLS and refuse the server's self-signed certificate
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw).then((mail) => {
          const email = { to: session.envelope.rcptTo.map((r) => r.address), raw, mail };
          received.push(email);
          const answer = o.onMessage?.(email) ?? "accept";
          if (answer === "accept") callback();
          else if (answer === "refuse")
            callback(Object.assign(new Error("refused by the test"), { responseCode: 554 }));
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  t.after(close);
  return { port, received, close };
}
