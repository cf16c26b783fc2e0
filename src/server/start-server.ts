import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { ConfigError } from "../core/index.js";
import { type AppDeps, createApp } from "./create-app.js";

export type ServerOptions = AppDeps & {
  host: string; // 127.0.0.1 unless the server must be reachable from elsewhere
  port: number; // 0 = any free port (tests)
};

export type RunningServer = {
  url: string; // http://host:port, without a trailing slash
  port: number;
  close(): Promise<void>;
};

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
export const isLoopbackHost = (host: string): boolean => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * Serves `createApp(options)` on host:port. Binding anything but loopback exposes the model (and
 * whatever budget sits behind it) to the network, so it is refused without a token.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (!isLoopbackHost(options.host) && !options.token) {
    throw new ConfigError(
      `refusing to listen on ${options.host} without a token`,
      "set server.token (IDEASTEER_SERVER_TOKEN or --token); clients then send Authorization: Bearer <token>",
    );
  }
  const app = createApp(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    // overrideGlobalObjects: false keeps Node's own Request/Response for the rest of the process.
    const s = serve(
      { fetch: app.fetch, hostname: options.host, port: options.port, overrideGlobalObjects: false },
      () => resolve(s),
    );
    s.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const hostInUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostInUrl}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Streams still open (a client that never reads) must not keep close() waiting forever.
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
