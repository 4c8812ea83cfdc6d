// A small store with two runs, flags of every type, reason and a few counties, for the review
// and export tests. Rows are inserted directly: the rules engine is not needed.
import { lit, type Db } from '../../pipeline/store/index.js';
import { insertPlain, makeId } from '../helpers.js';

export const RUN = 'Q2026-09-30';
export const OLD_RUN = 'Q2026-06-30';

export const IDS = {
  add1: makeId('440305', '20150312', '013'), // male
  add2: makeId('440306', '20120101', '024'), // female
  add3: makeId('440305', '20160707', '031'),
  rem1: makeId('440305', '20100505', '042'),
  rem2: makeId('440306', '20090909', '055'),
  rcl1: makeId('440111', '20140202', '066'),
  urg1: makeId('440305', '20180808', '077'),
  edu1: makeId('440305', '20130303', '088'),
  edu2: makeId('440306', '20140404', '091'),
  edu3: makeId('440111', '20150505', '102'),
  wat1: makeId('440305', '20081201', '113'),
};

export interface FlagInput {
  flag_id: string;
  run_id?: string;
  flag_key?: string;
  as_of?: string;
  flag: string;
  category?: string | null;
  previous_category?: string | null;
  reason: string;
  child_name?: string | null;
  child_id_number?: string | null;
  child_ref?: string | null;
  county_code?: string | null;
  effective_from?: string | null;
  overpaid_months?: number | null;
  priority?: number;
  score?: number | null;
  evidence?: unknown[];
  fingerprint?: string;
  lifecycle?: string | null;
}

const v = (x: string | null | undefined) => (x == null ? 'NULL' : lit(x));

export async function insertRun(db: Db, runId: string, asOf: string, status = 'complete', previous: string | null = null): Promise<void> {
  await db.run(
    `INSERT INTO runs (run_id, as_of, status, started_at, finished_at, config, input_batches, previous_run_id)
     VALUES (${lit(runId)}, DATE ${lit(asOf)}, ${lit(status)}, TIMESTAMP ${lit(asOf + ' 08:00:00')}, TIMESTAMP ${lit(asOf + ' 08:05:00')},
             ${lit(JSON.stringify({ profile: { extends: 'national' }, jurisdiction: { name: '深圳市' } }))}, [1, 2, 3], ${v(previous)})`,
  );
}

export async function insertFlag(db: Db, f: FlagInput): Promise<void> {
  const runId = f.run_id ?? RUN;
  const key = f.flag_key ?? `key-${f.flag_id}`;
  await insertPlain(db, 'flags',
    `INSERT INTO flags (flag_id, run_id, flag_key, as_of, flag, category, previous_category, reason, child_person_id, child_name,
                        child_id_number, child_ref, county_code, effective_from, overpaid_months, priority, score, evidence, params,
                        fingerprint, lifecycle)
     VALUES (${lit(f.flag_id)}, ${lit(runId)}, ${lit(key)}, DATE ${lit(f.as_of ?? runId.slice(1))}, ${lit(f.flag)}, ${v(f.category)},
             ${v(f.previous_category)}, ${lit(f.reason)}, NULL, ${v(f.child_name)}, ${v(f.child_id_number)}, ${v(f.child_ref)},
             ${v(f.county_code)}, ${f.effective_from ? `DATE ${lit(f.effective_from)}` : 'NULL'},
             ${f.overpaid_months ?? 'NULL'}, ${f.priority ?? 3}, ${f.score ?? 'NULL'},
             ${lit(JSON.stringify(f.evidence ?? []))}, '{}', ${lit(f.fingerprint ?? `fp-${f.flag_id}`)}, ${v(f.lifecycle ?? 'new')})`,
  );
}

export async function insertDecision(db: Db, flagId: string, decision: string, by = 'reviewer1', at = '2026-10-10 09:00:00', runId = RUN): Promise<void> {
  await insertPlain(db, 'decisions',
    `INSERT INTO decisions (flag_id, run_id, flag_key, fingerprint, decision, reason, decided_by, decided_at)
     SELECT flag_id, run_id, flag_key, fingerprint, ${lit(decision)}, ${decision === 'confirmed' ? 'NULL' : "'fixture'"}, ${lit(by)}, TIMESTAMP ${lit(at)}
       FROM flags WHERE flag_id = ${lit(flagId)} AND run_id = ${lit(runId)}`,
  );
}

/** Two runs; the latest has every flag type and its decisions. */
export async function seed(db: Db): Promise<void> {
  await insertRun(db, OLD_RUN, '2026-06-30');
  await insertRun(db, RUN, '2026-09-30', 'complete', OLD_RUN);
  // The raw/normalised enrollment row the DROPPED_OUT evidence points to.
  await insertPlain(db, 'feed_enrollment',
    `INSERT INTO feed_enrollment (batch_id, src_row, src_line, raw, school_name, status) VALUES (7, 3, 4, '{}', '南山区第一实验学校', 'DROPPED_OUT'), (8, 1, 2, '{}', '白云区第二中学', 'DROPPED_OUT')`,
  );
  const flags: FlagInput[] = [
    { flag_id: 'F-ADD-1', flag: 'ADD', category: 'DE_FACTO', reason: 'PARENTS_QUALIFY', child_name: '张小明', child_id_number: IDS.add1, county_code: '440305', effective_from: '2026-10-01', priority: 2, score: 0.98, evidence: [{ feed: 'incarceration', record_id: 'J-1', date: '2025-01-02', score: 0.98, role: 'father', batch_id: 2, src_row: 5 }] },
    { flag_id: 'F-ADD-2', flag: 'ADD', category: 'ORPHAN', reason: 'BOTH_PARENTS_GONE', child_name: '李芳', child_id_number: IDS.add2, county_code: '440306' },
    { flag_id: 'F-ADD-3', flag: 'ADD', category: 'DIFFICULTY_SELF', reason: 'CHILD_DISABLED', child_name: '王强', child_id_number: IDS.add3, county_code: '440305' },
    { flag_id: 'F-REM-1', flag: 'REMOVE', category: 'DE_FACTO', reason: 'PARENT_RELEASED', child_name: '赵磊', child_id_number: IDS.rem1, child_ref: 'R0001', county_code: '440305', effective_from: '2026-08-01', overpaid_months: 2, priority: 2, lifecycle: 'persisting' },
    { flag_id: 'F-REM-2', flag: 'REMOVE', category: 'ORPHAN', reason: 'CHILD_DEAD', child_name: '孙丽', child_id_number: IDS.rem2, county_code: '440306', effective_from: '2026-07-01', overpaid_months: 3, priority: 1 },
    { flag_id: 'F-RCL-1', flag: 'RECLASSIFY', category: 'DE_FACTO', previous_category: 'LEFT_BEHIND', reason: 'PARENTS_QUALIFY', child_name: '周杰', child_id_number: IDS.rcl1, county_code: '440111', effective_from: '2026-10-01' },
    { flag_id: 'F-URG-1', flag: 'URGENT', category: 'DE_FACTO', reason: 'PARENT_EVENT_NO_CARER', child_name: '吴婷', child_id_number: IDS.urg1, county_code: '440305', priority: 1 },
    { flag_id: 'F-EDU-1', flag: 'EDUCATION', category: 'LEFT_BEHIND', reason: 'DROPPED_OUT', child_name: '郑浩', child_id_number: IDS.edu1, county_code: '440305', evidence: [{ feed: 'enrollment', record_id: '7:3', date: '2026-09-01', score: 1, role: 'child', batch_id: 7, src_row: 3 }] },
    { flag_id: 'F-EDU-2', flag: 'EDUCATION', category: 'ORPHAN', reason: 'NOT_ENROLLED', child_name: '冯雪', child_id_number: IDS.edu2, county_code: '440306' },
    { flag_id: 'F-EDU-3', flag: 'EDUCATION', category: 'DE_FACTO', reason: 'DROPPED_OUT', child_name: '陈晨', child_id_number: IDS.edu3, county_code: '440111', evidence: [{ feed: 'enrollment', record_id: '8:1', date: '2026-09-01', score: 1, role: 'child', batch_id: 8, src_row: 1 }] },
    { flag_id: 'F-WAT-1', flag: 'WATCH', category: 'ORPHAN', reason: 'AGES_OUT_NEXT_QUARTER', child_name: '褚亮', child_id_number: IDS.wat1, county_code: '440305', priority: 4 },
    // The same condition in the previous quarter (same key, other flag id).
    { flag_id: 'F-ADD-1-Q2', run_id: OLD_RUN, flag_key: 'key-F-ADD-1', flag: 'ADD', category: 'DE_FACTO', reason: 'PARENTS_QUALIFY', child_name: '张小明', child_id_number: IDS.add1, county_code: '440305', fingerprint: 'fp-old' },
  ];
  for (const f of flags) await insertFlag(db, f);
  await insertDecision(db, 'F-ADD-1', 'confirmed', '审核员甲', '2026-10-11 10:00:00');
  await insertDecision(db, 'F-ADD-3', 'confirmed', 'reviewer1', '2026-10-10 09:00:00');
  await insertDecision(db, 'F-ADD-3', 'needs_info', 'reviewer1', '2026-10-12 09:00:00'); // latest: not confirmed
  await insertDecision(db, 'F-REM-1', 'needs_info', 'reviewer1', '2026-10-10 09:00:00');
  await insertDecision(db, 'F-REM-1', 'confirmed', '审核员乙', '2026-10-13 15:30:00'); // latest: confirmed
  await insertDecision(db, 'F-REM-2', 'rejected');
  await insertDecision(db, 'F-RCL-1', 'confirmed');
  await insertDecision(db, 'F-URG-1', 'confirmed');
  await insertDecision(db, 'F-WAT-1', 'confirmed');
  await insertDecision(db, 'F-EDU-2', 'needs_info');
  await insertDecision(db, 'F-EDU-3', 'rejected');
}
