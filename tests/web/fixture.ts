// A real quarter on a tiny synthetic province, plus flags inserted in two counties of one city
// and one county of another city, and the accounts of the web tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { lit, openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { runQuarter } from '../../jobs/index.js';
import { generateProvince, synthOptionsSchema } from '../../synth/index.js';
import { addUser } from '../../web/index.js';
import { makeId, tempDir } from '../helpers.js';
import { copyStore, prepared } from '../setup/stores.js';
import { insertFlag } from '../review/fixture.js';

export const RUN = 'Q2026-09-30';
export const PASSWORD = 'test-password-1';

export interface WebFixture {
  dir: string;
  db: Db;
  /** County A (has the real REMOVE flag of the quarter), county B (same city), county C (other city). */
  A: string;
  B: string;
  C: string;
  city: string;
  realRemove: { flagId: string; childIdNumber: string };
  ids: Record<'aAdd' | 'aRem' | 'aHiv' | 'bAdd' | 'bRem' | 'cAdd', string>;
}

/** The fixture in a store of its own: a copy of the one prepared for this test run (tests/setup/stores.ts). */
export async function buildFixture(): Promise<WebFixture> {
  const dir = tempDir('bidui-web-');
  const ready = await prepared('web-fixture', prepareFixture);
  const db = await openStore(copyStore(ready, join(dir, 'bidui.duckdb')));
  return { dir, db, ...(JSON.parse(readFileSync(join(ready, 'facts.json'), 'utf8')) as FixtureFacts) };
}

type FixtureFacts = Omit<WebFixture, 'dir' | 'db'>;

/** The counties, city and IDs of the fixture: county A is that of the quarter's first REMOVE flag. */
async function fixtureFacts(db: Db): Promise<FixtureFacts> {
  const [rem] = await queryRows<{ flag_id: string; county_code: string; child_id_number: string }>(
    db,
    `SELECT flag_id, county_code, child_id_number FROM flags WHERE run_id = ${lit(RUN)} AND flag = 'REMOVE' AND county_code IS NOT NULL ORDER BY flag_id LIMIT 1`,
  );
  if (!rem) throw new Error('the tiny province raised no REMOVE flag');
  const A = rem.county_code;
  const city = A.slice(0, 4) + '00';
  const B = A.slice(0, 4) + (A.slice(4) === '05' ? '06' : '05');
  const C = A.startsWith('4403') ? '440111' : '440305';
  const ids = {
    aAdd: makeId(A, '20150312', '013'),
    aRem: makeId(A, '20100505', '042'),
    aHiv: makeId(A, '20160707', '031'),
    bAdd: makeId(B, '20120101', '024'),
    bRem: makeId(B, '20090909', '055'),
    cAdd: makeId(C, '20140202', '066'),
  };
  return { A, B, C, city, realRemove: { flagId: rem.flag_id, childIdNumber: rem.child_id_number }, ids };
}

async function prepareFixture(dir: string): Promise<Db> {
  const province = join(dir, 'province');
  await generateProvince(synthOptionsSchema.parse({ seed: 1, size: 'tiny', out: province }));
  const cfg = loadConfig(undefined, { database: join(dir, 'store.duckdb'), inbox: join(province, 'inbox') });
  const db = await openStore(cfg.database);
  await runQuarter(db, cfg, { asOf: '2026-09-30' });
  const facts = await fixtureFacts(db);
  writeFileSync(join(dir, 'facts.json'), JSON.stringify(facts));
  const { A, B, C, city, ids } = facts;
  const evidence = [{ feed: 'incarceration', record_id: 'J-T1', date: '2025-01-02', score: 0.98, role: 'father', batch_id: 999, src_row: 1 }];
  await insertFlag(db, { flag_id: 'W-A-ADD', flag: 'ADD', category: 'DE_FACTO', reason: 'PARENTS_QUALIFY', child_name: '张三', child_id_number: ids.aAdd, county_code: A, priority: 2, evidence });
  await insertFlag(db, { flag_id: 'W-A-REM', flag: 'REMOVE', category: 'ORPHAN', reason: 'CHILD_DEAD', child_name: '王五', child_id_number: ids.aRem, county_code: A, priority: 1, effective_from: '2026-08-01' });
  await insertFlag(db, { flag_id: 'W-A-HIV', flag: 'URGENT', category: 'HIV', reason: 'PARENT_EVENT_NO_CARER', child_name: '赵六', child_id_number: ids.aHiv, county_code: A, priority: 1 });
  await insertFlag(db, { flag_id: 'W-B-ADD', flag: 'ADD', category: 'ORPHAN', reason: 'BOTH_PARENTS_GONE', child_name: '李四', child_id_number: ids.bAdd, county_code: B, priority: 2 });
  await insertFlag(db, { flag_id: 'W-B-REM', flag: 'REMOVE', category: 'DE_FACTO', reason: 'PARENT_RELEASED', child_name: '钱七', child_id_number: ids.bRem, county_code: B, priority: 2, effective_from: '2026-08-01' });
  await insertFlag(db, { flag_id: 'W-C-ADD', flag: 'ADD', category: 'ORPHAN', reason: 'BOTH_PARENTS_GONE', child_name: '孙八', child_id_number: ids.cAdd, county_code: C, priority: 2 });

  const users: [string, 'reviewer' | 'supervisor' | 'admin', string[]][] = [
    ['rev_a', 'reviewer', [A]],
    ['rev_a2', 'reviewer', [A]],
    ['rev_b', 'reviewer', [B]],
    ['sup_1', 'supervisor', [city]],
    ['sup_2', 'supervisor', [city]],
    ['sup_x', 'supervisor', [C.slice(0, 4) + '00']],
    ['admin', 'admin', []],
    ['locked_out', 'reviewer', [A]],
  ];
  for (const [username, role, areas] of users) await addUser(db, { username, role, areas, password: PASSWORD });
  return db;
}
