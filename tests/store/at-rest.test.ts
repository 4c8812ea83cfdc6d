// RULES.md §4, docs/protection.md: without the bureau's key, nothing personal can be read from the
// store file or from the files bidui leaves behind; with it, the quarter, the queue and the exports
// work as before.
import { copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_KINDS, exportQuarantine, runExport, writeExchangeRequest } from '../../exports/index.js';
import { decide } from '../../review/index.js';
import { isSealedFile, openFileBytes, sealKeys } from '../../pipeline/seal/index.js';
import { checkpoint, closeDb, openStore, queryRows, rotateStoreKey, storeKeys, type Db } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';
import { copyStore, quarterRun } from '../setup/stores.js';

interface Known {
  ids: string[];
  names: string[];
}

/** The province's people (truth/persons.csv): their ID numbers and names. */
function knownPeople(province: string): Known {
  const [header, ...lines] = readFileSync(join(province, 'truth', 'persons.csv'), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const rows = lines.map((l) => l.split(','));
  return {
    ids: rows.map((r) => r[cols.indexOf('id_number')]!).filter((id) => id.length === 18),
    names: rows.map((r) => r[cols.indexOf('name')]!).filter((n) => n.length >= 2),
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}

/** The people of `known` whose ID (as text) or name (UTF-8 or GB18030, 3 characters or more: two could be chance in random bytes) a file's bytes hold. */
function leaksIn(bytes: Buffer, known: Known): string[] {
  const latin = bytes.toString('latin1');
  const found = known.ids.filter((id) => latin.includes(id));
  for (const name of known.names.filter((n) => n.length >= 3)) {
    if (bytes.includes(Buffer.from(name, 'utf8')) || bytes.includes(iconv.encode(name, 'gb18030'))) found.push(name);
  }
  return found;
}

let dir: string;
let out: string;
let known: Known;
let store: string;
const NOTE_NAME = () => known.names.find((n) => n.length >= 3)!;

beforeAll(async () => {
  const run = await quarterRun({ seed: 7, size: 'tiny', asOf: '2026-09-30' });
  known = knownPeople(run.province);
  out = run.out;
  dir = tempDir('bidui-at-rest-');
  store = copyStore(run.dir, join(dir, 'store.duckdb'));
  const db = await openStore(store, { detached: true });
  const exportsDir = join(dir, 'exports');
  for (const kind of EXPORT_KINDS) await runExport(db, kind, { runId: 'Q2026-09-30', outDir: exportsDir, by: '测试导出员', needToKnow: true });
  await writeExchangeRequest(db, { feed: 'death', outDir: exportsDir, by: '测试导出员' });
  await exportQuarantine(db, { outDir: exportsDir, by: '测试导出员' });
  // A reviewer's note that names a person.
  const [flag] = await queryRows<{ flag_id: string }>(db, `SELECT flag_id FROM flags WHERE run_id = 'Q2026-09-30' ORDER BY flag_id LIMIT 1`);
  await decide(db, { flagId: flag!.flag_id, decision: 'needs_info', reason: `请核实${NOTE_NAME()}的监护情况`, by: '审核员甲' });
  await checkpoint(db);
  closeDb(db);
});

describe('protection at rest', () => {
  it('the store file read without the key (plain DuckDB) holds no name and no ID number in any column, and its bytes none either', async () => {
    const instance = await DuckDBInstance.create(store, { access_mode: 'READ_ONLY' });
    const conn = await instance.connect();
    const read = async <T>(q: string) => (await conn.runAndReadAll(q)).getRowObjectsJson() as T[];
    const columns = await read<{ t: string; c: string }>(
      `SELECT table_name AS t, column_name AS c FROM duckdb_columns() WHERE NOT internal AND schema_name = 'main'
         AND (data_type LIKE 'VARCHAR%' OR data_type = 'JSON' OR data_type LIKE 'STRUCT%')`,
    );
    expect(columns.length).toBeGreaterThan(50);
    await conn.run(`CREATE TEMP TABLE known AS SELECT unnest(${JSON.stringify([...known.ids, ...known.names]).replaceAll('"', "'")}::VARCHAR[]) AS v`);
    const leaks: string[] = [];
    for (const { t, c } of columns) {
      const [hit] = await read<{ n: number; v: string | null }>(
        `SELECT count(*)::INTEGER AS n, any_value(k.v) AS v FROM "${t}" x JOIN known k ON contains(x."${c}"::VARCHAR, k.v)`,
      );
      if (hit!.n) leaks.push(`${t}.${c}: ${hit!.n} (${hit!.v})`);
    }
    conn.closeSync();
    instance.closeSync();
    expect(leaks).toEqual([]);
    // The sealed tables are there and hold rows: the check above read sealed text, not empty tables.
    const bytes = readFileSync(store);
    expect(leaksIn(bytes, known)).toEqual([]);
    expect(bytes.length).toBeGreaterThan(1_000_000);
  });

  it('every file left behind with personal data is sealed (.sm4), holds no name or ID in its bytes, and opens with the key', () => {
    const files = [...filesUnder(out), ...filesUnder(join(dir, 'exports'))];
    const report = (f: string) => f.includes('季度比对报告');
    const sealed = files.filter((f) => !report(f));
    expect(sealed.length).toBeGreaterThanOrEqual(9); // flags.csv, 2 national, 1 provincial, 2 education, 2 analyst, 2 query lists, quarantine
    for (const f of sealed) {
      expect({ f, sealed: f.endsWith('.sm4') && isSealedFile(f) }).toEqual({ f, sealed: true });
      expect({ f, leaks: leaksIn(readFileSync(f), known) }).toEqual({ f, leaks: [] });
    }
    // The quarterly report is counts only: open, and no person in it.
    for (const f of files.filter(report)) expect({ f, leaks: leaksIn(readFileSync(f), known) }).toEqual({ f, leaks: [] });
    // With the key: flags.csv opens and names the children by ID number.
    const keys = sealKeys(Buffer.from(process.env.BIDUI_KEY!, 'hex'));
    const csv = openFileBytes(keys, files.find((f) => f.endsWith('flags.csv.sm4'))!).toString('utf8');
    expect(known.ids.some((id) => csv.includes(id))).toBe(true);
    // Another key opens nothing.
    expect(() => openFileBytes(sealKeys(Buffer.alloc(32, 1)), files.find((f) => f.endsWith('flags.csv.sm4'))!)).toThrow(/另一把密钥/);
  });

  it('with the key the store reads as before: names, ID numbers, the reviewer note; with another key it does not open', async () => {
    const db: Db = await openStore(store, { detached: true });
    const [flag] = await queryRows<{ child_name: string; child_id_number: string; evidence: string }>(
      db,
      `SELECT child_name, child_id_number, evidence::VARCHAR AS evidence FROM flags WHERE child_id_number IS NOT NULL LIMIT 1`,
    );
    expect(known.ids).toContain(flag!.child_id_number);
    expect(known.names).toContain(flag!.child_name);
    const [note] = await queryRows<{ reason: string }>(db, `SELECT reason FROM decisions WHERE decision = 'needs_info'`);
    expect(note!.reason).toBe(`请核实${NOTE_NAME()}的监护情况`);
    const [registry] = await queryRows<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM feed_registry WHERE name IS NOT NULL AND len(id_number) = 18`);
    expect(registry!.n).toBeGreaterThan(10);
    expect(storeKeys(db).id).toMatch(/^[0-9a-f]{16}$/);
    closeDb(db);

    await withKey('ab'.repeat(32), () => expect(openStore(store, { detached: true })).rejects.toThrow(/数据库是用另一把密钥加密的/));
  });

  it('rotation reseals every sealed value under the new key and rewrites the file: the old ciphertext is gone, the old key is refused', async () => {
    const rotated = copyStoreFile(store, join(dir, 'rotated.duckdb'));
    const before = await openStore(rotated, { detached: true });
    const [old] = await queryRows<{ name: string; sealed: string }>(
      before,
      `SELECT f.child_name AS name, s.child_name AS sealed FROM flags f JOIN sealed_flags s USING (run_id, flag_id) WHERE f.child_name IS NOT NULL LIMIT 1`,
    );
    closeDb(before);
    const next = 'cd'.repeat(32);
    const r = await rotateStoreKey(rotated, sealKeys(Buffer.from(next, 'hex')));
    expect(r.tables).toBeGreaterThanOrEqual(10);
    expect(readFileSync(rotated).includes(Buffer.from(old!.sealed))).toBe(false);
    await withKey(next, async () => {
      const db = await openStore(rotated, { detached: true });
      const [again] = await queryRows<{ sealed: string }>(db, `SELECT s.child_name AS sealed FROM flags f JOIN sealed_flags s USING (run_id, flag_id) WHERE f.child_name = '${old!.name}' LIMIT 1`);
      expect(again!.sealed).not.toBe(old!.sealed);
      closeDb(db);
    });
    await expect(openStore(rotated, { detached: true })).rejects.toThrow(/数据库是用另一把密钥加密的/);
  });
});

/** Runs `fn` with BIDUI_KEY set to `hex`. */
async function withKey(hex: string, fn: () => Promise<unknown>): Promise<void> {
  const saved = process.env.BIDUI_KEY;
  process.env.BIDUI_KEY = hex;
  try {
    await fn();
  } finally {
    process.env.BIDUI_KEY = saved;
  }
}

function copyStoreFile(from: string, to: string): string {
  copyFileSync(from, to);
  return to;
}
