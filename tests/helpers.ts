import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDigit } from '../pipeline/identity/index.js';

export function tempDir(prefix = 'bidui-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A valid 18-character ID: address code, birth date YYYYMMDD, sequence (3 digits; odd last = male). */
export function makeId(region: string, birth: string, seq: string): string {
  const first17 = region + birth + seq;
  return first17 + checkDigit(first17);
}

export function writeFile(dir: string, rel: string, content: string | Buffer): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loopback port nobody listens on right now (for a redis-server or an HTTP server a test starts). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

/** Polls `check` every 100 ms until it holds; throws naming `what` after `ms`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
