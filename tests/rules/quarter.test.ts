import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { decide } from '../../review/index.js';
import { appendRaisedFlags, raiseFlags } from '../../flags/index.js';
import { beginRun, finishRun, runQuarter, type StepExecutor } from '../../jobs/index.js';
import { explainChild, gatherFacts } from '../../rules/index.js';
import { scoreAgainstTruth } from '../../benchmarks/quarter-truth.js';
import { flagsCsvText, tempDir } from '../helpers.js';
import { copyStore, ingestedProvince, quarterRun } from '../setup/stores.js';

const AS_OF = '2026-09-30';

let synth: string;
/** The province's inbox ingested once (tests/setup/stores.ts); each run copies it. */
let ingested: string;
/** The quarter AS_OF run once on a copy of `ingested` (tests/setup/stores.ts), as `bidui quarter` runs it. */
let quarter: { dir: string; out: string };

/**
 * A store that has run the quarter: a copy of the prepared run (its flags.csv is `out`), or with
 * `fromEmpty` a quarter run here on an empty store (it ingests the inbox itself).
 */
async function freshRun(name: string, fromEmpty = false): Promise<{ db: Db; cfg: Config; out: string }> {
  const dir = tempDir(`bidui-q-${name}-`);
  const cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox: join(synth, 'inbox') });
  if (!fromEmpty) return { db: await openStore(copyStore(quarter.dir, cfg.database)), cfg, out: quarter.out };
  const db = await openStore(cfg.database);
  const out = join(dir, 'out');
  await runQuarter(db, cfg, { asOf: AS_OF, out });
  return { db, cfg, out };
}

const flagsOf = (db: Db) => queryRows(db, `SELECT * EXCLUDE (lifecycle) FROM flags ORDER BY flag_id`);

beforeAll(async () => {
  ({ dir: ingested, province: synth } = await ingestedProvince({ seed: 7, size: 'tiny', asOf: AS_OF }));
  quarter = await quarterRun({ seed: 7, size: 'tiny', asOf: AS_OF });
});

describe('quarterly run', () => {
  it('is reproducible: same inputs and settings give the same flags, ids and flags.csv', async () => {
    // One run ingests the inbox itself, the other (prepared once for the test run) ran on the store prepared from it.
    const a = await freshRun('a', true);
    const b = await freshRun('b');
    const fa = await flagsOf(a.db);
    expect(fa.length).toBeGreaterThan(0);
    expect(await flagsOf(b.db)).toEqual(fa);
    expect(flagsCsvText(a.out)).toBe(flagsCsvText(b.out));
    const header = flagsCsvText(a.out).split('\n')[0];
    expect(header).toBe('run_id,as_of,flag,category,previous_category,reason,child_name,child_id_number,child_ref,county_code,effective_from,overpaid_months,overpaid_amount,priority,score,evidence');
  });

  it('matches the ground truth of the synthetic province', async () => {
    const { db } = await freshRun('truth');
    const { scores } = await scoreAgainstTruth(db, `Q${AS_OF}`, synth);
    for (const s of scores) {
      expect({ flag: s.flag, precision: s.precision, recall: s.recall }).toEqual({ flag: s.flag, precision: 1, recall: 1 });
    }
  });

  it('re-running a quarter replaces it; the next quarter reports new, persisting and resolved flags', async () => {
    const { db, cfg } = await freshRun('rerun');
    const before = await flagsOf(db);
    await runQuarter(db, cfg, { asOf: AS_OF });
    expect(await flagsOf(db)).toEqual(before);
    expect(await queryRows(db, `SELECT run_id FROM runs`)).toEqual([{ run_id: `Q${AS_OF}` }]);

    const next = await runQuarter(db, cfg, { asOf: '2026-12-31' });
    expect(next.previousRunId).toBe(`Q${AS_OF}`);
    const persisting = next.lifecycle.persisting ?? 0;
    expect(persisting).toBeGreaterThan(0);
    expect(persisting + (next.lifecycle.new ?? 0)).toBe(next.flags);
    const [r] = await queryRows<{ n: number }>(
      db,
      `SELECT count(*)::INTEGER AS n FROM flags p WHERE run_id = 'Q${AS_OF}' AND flag_key NOT IN (SELECT flag_key FROM flags WHERE run_id = 'Q2026-12-31')`,
    );
    expect(next.resolved).toBe(r!.n);
  });

  it('does not raise a rejected flag again while its evidence is unchanged, and does when it changes', async () => {
    const { db, cfg } = await freshRun('reject');
    const [target] = await queryRows<{ flag_id: string; flag_key: string }>(db, `SELECT flag_id, flag_key FROM flags WHERE flag IN ('ADD', 'REMOVE') ORDER BY flag_id LIMIT 1`);
    expect(target).toBeDefined();
    await decide(db, { flagId: target!.flag_id, decision: 'rejected', reason: '已核实:父亲已回家照料', by: 'reviewer-a' });

    const again = await runQuarter(db, cfg, { asOf: AS_OF });
    expect(again.suppressed).toBe(1);
    expect(await queryRows(db, `SELECT flag_id FROM flags WHERE flag_key = '${target!.flag_key}'`)).toEqual([]);

    // New evidence (another record behind the flag) changes its fingerprint: the flag is raised again.
    const runId = await beginRun(db, cfg, AS_OF);
    const rows = raiseFlags(cfg, AS_OF, await gatherFacts(db, AS_OF, cfg.profile.adultAge));
    const changed = rows.map((r) => (r.flag_key === target!.flag_key ? { ...r, fingerprint: r.fingerprint + 'x' } : r));
    await appendRaisedFlags(db, changed);
    const result = await finishRun(db, runId);
    expect(result.suppressed).toBe(0);
    expect(await queryRows(db, `SELECT flag_id FROM flags WHERE flag_key = '${target!.flag_key}'`)).toEqual([{ flag_id: target!.flag_id }]);
  });

  it('marks the quarter incomplete when a file of the inbox cannot be read, and still raises the flags of the rest', async () => {
    const dir = tempDir('bidui-q-broken-');
    cpSync(join(synth, 'inbox'), join(dir, 'inbox'), { recursive: true });
    writeFileSync(join(dir, 'inbox', 'death', 'broken.xlsx'), 'not a workbook');
    // A folder no source reads: named in the result (and printed), not silently skipped.
    mkdirSync(join(dir, 'inbox', 'pension'));
    writeFileSync(join(dir, 'inbox', 'pension', 'payments.csv'), '姓名,身份证号\n');
    const cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox: join(dir, 'inbox') });
    const db = await openStore(copyStore(ingested, cfg.database));
    const result = await runQuarter(db, cfg, { asOf: AS_OF });
    expect(result.unreadFolders).toEqual(['pension']);
    expect(result.ingest.filter((b) => b.status === 'failed').map((b) => b.file)).toEqual([join(dir, 'inbox', 'death', 'broken.xlsx')]);
    expect(result.flags).toBeGreaterThan(0);
    expect(await queryRows(db, `SELECT status FROM runs`)).toEqual([{ status: 'incomplete' }]);
  });

  it('stops with a Chinese error naming the cause when no match partition finishes (a full disk)', async () => {
    const dir = tempDir('bidui-q-nomatch-');
    const cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox: join(synth, 'inbox') });
    const db = await openStore(copyStore(ingested, cfg.database));
    // Every step fails as a worker whose disk filled fails it (workers: the match is partitioned, not done in place).
    const fullDisk: StepExecutor = {
      kind: 'queue',
      run: async (tasks) => tasks.map((task) => ({ task, done: null, error: 'IO Error: No space left on device' })),
    };
    await expect(runQuarter(db, cfg, { asOf: AS_OF, executor: fullDisk })).rejects.toThrow(/本次比对未完成：匹配步骤没有一个分区完成（分区 .*No space left on device/);
    // The failed run leaves no raised flags on the connection, and nothing can store them.
    expect(await queryRows(db, `SELECT table_name FROM duckdb_tables() WHERE table_name = 'raised_flags'`)).toEqual([]);
    await expect(finishRun(db, `Q${AS_OF}`)).rejects.toThrow(/no raised flags/);
  });

  it('stores the flags raised batch by batch; one flag raised in two batches is stored once, as it was last raised', async () => {
    const { db, cfg } = await freshRun('batches');
    const before = await flagsOf(db);
    const rows = raiseFlags(cfg, AS_OF, await gatherFacts(db, AS_OF, cfg.profile.adultAge));
    expect(rows.length).toBeGreaterThan(3);
    const runId = await beginRun(db, cfg, AS_OF);
    const half = Math.floor(rows.length / 2);
    await appendRaisedFlags(db, rows.slice(0, half));
    // The first flag again in the next batch, with another score (a duplicate registration seen from two children).
    await appendRaisedFlags(db, [...rows.slice(half), { ...rows[0]!, score: 0.123 }]);
    const result = await finishRun(db, runId);
    expect(result.flags).toBe(rows.length);
    const stored = await flagsOf(db);
    expect(stored.length).toBe(before.length);
    const first = stored.find((r) => r.flag_id === rows[0]!.flag_id)!;
    expect(first.score).toBe(0.123);
    expect(stored.map((r) => ({ ...r, score: r.flag_id === rows[0]!.flag_id ? null : r.score }))).toEqual(
      before.map((r) => ({ ...r, score: r.flag_id === rows[0]!.flag_id ? null : r.score })),
    );
  });

  it('a flag held back by a rejection in the next quarter is suppressed, not resolved', async () => {
    const { db, cfg } = await freshRun('next-suppressed');
    const rows = raiseFlags(cfg, AS_OF, await gatherFacts(db, AS_OF, cfg.profile.adultAge));
    const target = rows.find((r) => r.flag === 'REMOVE' || r.flag === 'ADD')!;
    await decide(db, { flagId: target.flag_id, decision: 'rejected', reason: '已核实', by: 'reviewer-a' });
    // The next quarter finds the same conditions (same keys and evidence).
    const next = await beginRun(db, cfg, '2026-12-31');
    await appendRaisedFlags(db, rows);
    const result = await finishRun(db, next);
    expect(result).toMatchObject({ suppressed: 1, resolved: 0, flags: rows.length - 1 });
    expect(result.lifecycle.persisting).toBe(rows.length - 1);
  });

  it('rules explain takes a child by ID number or by the flag id review list prints, and audits the view', async () => {
    const { db, cfg } = await freshRun('explain');
    const [f] = await queryRows<{ flag_id: string; child_id_number: string }>(
      db,
      `SELECT flag_id, child_id_number FROM flags WHERE flag = 'REMOVE' AND child_id_number IS NOT NULL ORDER BY flag_id LIMIT 1`,
    );
    const byId = await explainChild(db, cfg, f!.child_id_number, AS_OF, 'tester');
    const byFlag = await explainChild(db, cfg, f!.flag_id, AS_OF, 'tester');
    expect(byFlag).toEqual(byId);
    expect(byFlag.some((l) => l.includes('应退未退'))).toBe(true);
    expect(byFlag.join('\n')).not.toContain(f!.child_id_number);
    expect(await explainChild(db, cfg, 'no-such-child', AS_OF, 'tester')).toEqual(['未找到儿童 no-such-child']);
    const audit = await queryRows<{ n: number }>(db, `SELECT count(*)::INT AS n FROM audit_log WHERE actor = 'tester' AND action = 'view'`);
    expect(audit[0]!.n).toBe(2);
  });

  it('a quarter without an enrollment file raises no NOT_ENROLLED flag and names the missing feed; a later quarter with no new file names every feed', async () => {
    const { db: withFile } = await freshRun('with-enrollment');
    const [{ n: notEnrolled }] = (await queryRows<{ n: number }>(withFile, `SELECT count(*)::INT AS n FROM flags WHERE reason = 'NOT_ENROLLED'`)) as [{ n: number }];
    expect(notEnrolled).toBeGreaterThan(0);

    const { db, cfg, out } = await freshRun('no-enrollment');
    // As if the education bureau had sent nothing: no enrollment batch in the store.
    await db.run(`DELETE FROM sealed_feed_enrollment`);
    await db.run(`DELETE FROM findings WHERE batch_id IN (SELECT batch_id FROM ingest_batches WHERE feed = 'enrollment')`);
    await db.run(`DELETE FROM sealed_quarantine WHERE batch_id IN (SELECT batch_id FROM ingest_batches WHERE feed = 'enrollment')`);
    await db.run(`DELETE FROM ingest_batches WHERE feed = 'enrollment'`);
    const result = await runQuarter(db, cfg, { asOf: AS_OF, out, skipIngest: true });
    expect(result.missingFeeds).toEqual(['enrollment']);
    expect(await queryRows(db, `SELECT flag_id FROM flags WHERE reason = 'NOT_ENROLLED'`)).toEqual([]);
    const { exportSummary } = await import('../../exports/index.js');
    const summary = await exportSummary(db, { outDir: join(out, 'exports'), by: 'tester' });
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(summary.files[0]!.path);
    const notes: string[] = [];
    wb.eachSheet((ws) => ws.eachRow((r) => notes.push(r.values.toString())));
    expect(notes.some((t) => t.includes('本季度未收到的应报送数据') && t.includes('学籍（教育）'))).toBe(true);

    const next = await runQuarter(db, cfg, { asOf: '2026-12-31', skipIngest: true });
    expect(next.missingFeeds).toEqual(cfg.profile.expectedFeeds);
  });
});
