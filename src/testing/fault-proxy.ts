import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * What the proxy does with one request. Anything but `status`, `hang` and `drop-before-headers`
 * forwards to the upstream server for a real answer.
 */
export type Fault =
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: unknown } // answer this instead
  | { kind: "hang" } // read the request, never answer
  | { kind: "drop-before-headers" } // destroy the socket before any response byte
  | { kind: "drop-after-events"; events: number } // forward, destroy the socket after this many SSE events
  | { kind: "drop-after-bytes"; bytes: number } // forward, destroy the socket after this many body bytes
  | { kind: "delay"; ms: number }; // forward after a pause

export type FaultProxy = {
  url: string; // http://127.0.0.1:port, paths are forwarded as they come
  readonly requests: number; // requests received (each retry counts)
  readonly maxInFlight: number; // most requests open at the same time
  readonly arrivalsMs: number[]; // performance.now() at each arrival
  close(): Promise<void>;
};

/**
 * A test-only HTTP server in front of a real one that injects the failures a client must survive:
 * rate limits, server errors, hangs and dropped connections. `fault(i)` picks what happens to the
 * i-th request (0-based); undefined forwards it untouched. It counts requests and concurrency, so
 * tests can assert what reached the server.
 */
export async function startFaultProxy(opts: {
  upstream: string;
  fault: (requestIndex: number) => Fault | undefined;
}): Promise<FaultProxy> {
  let requests = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const arrivalsMs: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const index = requests++;
    arrivalsMs.push(performance.now());
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    void handle(req, res, opts.upstream, opts.fault(index)).catch(() => res.destroy());
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    arrivalsMs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, upstream: string, fault: Fault | undefined) {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  if (fault?.kind === "status") {
    res.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
    res.end(JSON.stringify(fault.body ?? { error: { message: `injected ${fault.status}`, type: "server_error" } }));
    return;
  }
  if (fault?.kind === "hang") return;
  if (fault?.kind === "drop-before-headers") {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === "delay") await new Promise((r) => setTimeout(r, fault.ms));
  const headers: Record<string, string> = {};
  for (const h of ["content-type", "authorization", "accept"]) {
    const v = req.headers[h];
    if (typeof v === "string") headers[h] = v;
  }
  const up = await fetch(`${upstream}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });
  const outHeaders: Record<string, string> = {};
  up.headers.forEach((v, k) => {
    if (k !== "content-length" && k !== "transfer-encoding" && k !== "connection") outHeaders[k] = v;
  });
  res.writeHead(up.status, outHeaders);
  if (!up.body) return void res.end();
  let bytes = 0;
  let events = 0;
  let pending = "";
  for await (const chunk of up.body) {
    if (fault?.kind === "drop-after-bytes") {
      const room = fault.bytes - bytes;
      res.write(Buffer.from(chunk).subarray(0, room));
      bytes += chunk.length;
      if (bytes >= fault.bytes) return void res.socket?.destroy();
    } else if (fault?.kind === "drop-after-events") {
      // Forward whole events one by one so the cut falls exactly after the chosen event.
      pending += Buffer.from(chunk).toString("utf8");
      for (let end = pending.indexOf("\n\n"); end >= 0; end = pending.indexOf("\n\n")) {
        res.write(pending.slice(0, end + 2));
        pending = pending.slice(end + 2);
        if (++events >= fault.events) {
          await new Promise((r) => setTimeout(r, 20)); // let the client read those events first
          return void res.socket?.destroy();
        }
      }
    } else res.write(chunk);
  }
  res.end();
}
