import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/index.js';
import { ingestInbox } from '../connectors/index.js';
import { checkDigit } from '../pipeline/identity/index.js';
import { openFile, openFileBytes, sealKeys, SEALED_FILE_SUFFIX } from '../pipeline/seal/index.js';
import { insertPlainRowsSql, openStore, queryRows, type Db } from '../pipeline/store/index.js';

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

/**
 * Runs `insertSql`, an INSERT INTO sealed table `name` (a feed table, flags, decisions, quarantine,
 * name_forms) with plain values, as the product stores it: sealed (pipeline/store sealed.ts).
 * Columns the INSERT leaves out get the view's defaults (NULL).
 */
export async function insertPlain(db: Db, name: string, insertSql: string): Promise<void> {
  const staging = `plain_${name}`;
  await db.run(`CREATE OR REPLACE TEMP TABLE ${staging} AS SELECT * FROM ${name} LIMIT 0`);
  const into = new RegExp(`INSERT INTO ${name}\\b`);
  if (!into.test(insertSql)) throw new Error(`insertPlain: not an INSERT INTO ${name}`);
  await db.run(insertSql.replace(into, `INSERT INTO ${staging}`));
  const listed = new RegExp(`INSERT INTO ${name}\\s*\\(([^)]*)\\)`).exec(insertSql)?.[1];
  await db.run(insertPlainRowsSql(name, staging, listed?.split(',').map((c) => c.trim().replace(/^"|"$/g, ''))));
  await db.run(`DROP TABLE ${staging}`);
}

/**
 * The text of flags.csv as the quarter that wrote `out` left it (sealed), opened in memory: opened()
 * would leave a plain flags.csv in a prepared run's shared folder, where tests/store/at-rest.test.ts
 * checks that every file is sealed.
 */
export function flagsCsvText(out: string): string {
  return openFileBytes(sealKeys(Buffer.from(process.env.BIDUI_KEY!, 'hex')), join(out, 'flags.csv.sm4')).toString('utf8');
}

/**
 * The plain content of a file bidui left sealed (`<name>.sm4`, docs/protection.md), as `bidui open`
 * gives it (written beside it under its own name, for readers that want a path); a plain file as it is.
 */
export function opened(path: string): string {
  if (!path.endsWith(SEALED_FILE_SUFFIX)) return path;
  const plain = path.slice(0, -SEALED_FILE_SUFFIX.length);
  openFile(sealKeys(Buffer.from(process.env.BIDUI_KEY!, 'hex')), path, plain);
  return plain;
}

/** A CSV file's text: the header line, then one line per row. */
export const csvOf = (header: string, rows: readonly (readonly string[])[]) => header + '\n' + rows.map((r) => r.join(',')).join('\n') + '\n';

/** person_id of a linked mention by its feed, row (1-based) and role. */
export async function personIdOf(db: Db, feed: string, row: number, role: string): Promise<string> {
  const [r] = await queryRows<{ person_id: string }>(db, `SELECT person_id FROM persons WHERE feed = '${feed}' AND src_row = ${row} AND role = '${role}'`);
  if (!r) throw new Error(`no mention ${feed} ${row} ${role}`);
  return r.person_id;
}

/** A new in-memory store with `files` (a path under the inbox → its content) ingested through the real connectors; every file must load. */
export async function ingestedInbox(files: Record<string, string>): Promise<{ db: Db; cfg: Config }> {
  const inbox = tempDir();
  for (const [rel, content] of Object.entries(files)) writeFile(inbox, rel, content);
  const cfg = loadConfig(undefined, { database: ':memory:', inbox });
  const db = await openStore(':memory:');
  const failed = (await ingestInbox(db, cfg)).filter((r) => r.status !== 'loaded');
  if (failed.length) throw new Error(`not loaded: ${failed.map((r) => r.file).join(', ')}`);
  return { db, cfg };
}
