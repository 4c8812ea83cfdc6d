// `bidui serve`: the web review queue over HTTP (@hono/node-server). One process owns the DuckDB file.
import { serve, type ServerType } from '@hono/node-server';
import type { Db } from '../pipeline/store/index.js';
import { createApp, type AppOptions } from './app.js';

export interface ServeOptions extends AppOptions {
  port?: number;
  host?: string;
}

/** Starts the server; resolves once it listens, with its URL and a close function. */
export function startServer(db: Db, opts: ServeOptions = {}): Promise<{ url: string; port: number; close: () => Promise<void>; server: ServerType }> {
  const app = createApp(db, opts);
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: opts.port ?? 8080, hostname: host }, (info) => {
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${info.port}/`,
        port: info.port,
        server,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}
