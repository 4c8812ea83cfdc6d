import { beforeEach, describe, expect, it } from 'vitest';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { REASON_CODES, REASON_LABELS, suppressions } from '../../flags/index.js';
import { decide, latestDecisions, reviewQueue, UserError } from '../../review/index.js';
import { insertFlag, OLD_RUN, RUN, seed } from './fixture.js';

let db: Db;
beforeEach(async () => {
  db = await openStore(':memory:');
  await seed(db);
});

describe('decide', () => {
  it('validates: a rejection needs a reason, needs_info a note, the flag must exist, a reviewer is named', async () => {
    await expect(decide(db, { flagId: 'F-ADD-2', decision: 'rejected', by: 'u1' })).rejects.toThrow(/驳回理由/);
    await expect(decide(db, { flagId: 'F-ADD-2', decision: 'rejected', reason: '   ', by: 'u1' })).rejects.toBeInstanceOf(UserError);
    await expect(decide(db, { flagId: 'F-ADD-2', decision: 'needs_info', by: 'u1' })).rejects.toThrow(/补充/);
    await expect(decide(db, { flagId: 'NO-SUCH', decision: 'confirmed', by: 'u1' })).rejects.toThrow(/找不到标记 NO-SUCH/);
    await expect(decide(db, { flagId: 'F-ADD-2', runId: OLD_RUN, decision: 'confirmed', by: 'u1' })).rejects.toThrow(/没有标记/);
    await expect(decide(db, { flagId: 'F-ADD-2', decision: 'confirmed', by: ' ' })).rejects.toThrow(/审核人/);
    await expect(decide(db, { flagId: 'F-ADD-2', decision: 'approve' as never, by: 'u1' })).rejects.toThrow(/未知的审核决定/);
    // Nothing was written by the refused calls.
    const [n] = await queryRows<{ d: number; a: number }>(db, `SELECT (SELECT count(*)::INT FROM decisions WHERE flag_id = 'F-ADD-2') d, (SELECT count(*)::INT FROM audit_log) a`);
    expect(n).toEqual({ d: 0, a: 0 });
  });

  it("records the flag's key and fingerprint and writes the audit row", async () => {
    const d = await decide(db, { flagId: 'F-ADD-2', decision: 'rejected', reason: '父母一方实际在家照料', by: '审核员丙' });
    expect(d).toMatchObject({ flagId: 'F-ADD-2', runId: RUN, flagKey: 'key-F-ADD-2', fingerprint: 'fp-F-ADD-2', decision: 'rejected', reason: '父母一方实际在家照料', decidedBy: '审核员丙' });
    expect(d.decisionId).toBeGreaterThan(0);
    expect(d.decidedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    const audit = await queryRows<{ actor: string; action: string; run_id: string; target: string; rows: number; detail: string }>(db, 'SELECT * FROM audit_log');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: '审核员丙', action: 'decide', run_id: RUN, target: 'F-ADD-2', rows: 1 });
    expect(JSON.parse(audit[0]!.detail)).toEqual({ decision_id: d.decisionId, decision: 'rejected', flag_key: 'key-F-ADD-2', fingerprint: 'fp-F-ADD-2' });
  });

  it('without a run, takes the flag of the latest run that has the id', async () => {
    await insertFlag(db, { flag_id: 'F-SAME', run_id: OLD_RUN, flag: 'ADD', reason: 'CHILD_DISABLED', fingerprint: 'fp-q2' });
    await insertFlag(db, { flag_id: 'F-SAME', run_id: RUN, flag: 'ADD', reason: 'CHILD_DISABLED', fingerprint: 'fp-q3' });
    const d = await decide(db, { flagId: 'F-SAME', decision: 'confirmed', by: 'u1' });
    expect(d).toMatchObject({ runId: RUN, fingerprint: 'fp-q3' });
    const old = await decide(db, { flagId: 'F-SAME', runId: OLD_RUN, decision: 'confirmed', by: 'u1' });
    expect(old).toMatchObject({ runId: OLD_RUN, fingerprint: 'fp-q2' });
  });
});

describe('latestDecisions and the review queue', () => {
  it('keeps the latest decision of each flag of the run', async () => {
    const latest = await latestDecisions(db, RUN);
    const by = Object.fromEntries(latest.map((d) => [d.flagId, d.decision]));
    expect(by).toEqual({
      'F-ADD-1': 'confirmed',
      'F-ADD-3': 'needs_info',
      'F-EDU-2': 'needs_info',
      'F-EDU-3': 'rejected',
      'F-REM-1': 'confirmed',
      'F-REM-2': 'rejected',
      'F-RCL-1': 'confirmed',
      'F-URG-1': 'confirmed',
      'F-WAT-1': 'confirmed',
    });
    const d = await decide(db, { flagId: 'F-ADD-1', decision: 'needs_info', reason: '请补充监狱证明', by: 'u2' });
    expect((await latestDecisions(db, RUN)).find((x) => x.flagId === 'F-ADD-1')).toEqual(d);
    expect(await latestDecisions(db, OLD_RUN)).toEqual([]);
  });

  it('lists every flag of the run with its decision, most urgent first, county filter by prefix', async () => {
    const all = await reviewQueue(db, RUN);
    expect(all).toHaveLength(11);
    expect(all[0]!.priority).toBe(1);
    expect(all.find((i) => i.flagId === 'F-ADD-2')).toMatchObject({ status: 'pending', statusLabel: '待审核' });
    expect(all.find((i) => i.flagId === 'F-REM-2')).toMatchObject({ status: 'rejected', statusLabel: '已驳回' });
    const nanshan = await reviewQueue(db, RUN, { county: '440305' });
    expect(nanshan.every((i) => i.countyCode === '440305')).toBe(true);
    expect((await reviewQueue(db, RUN, { county: '4403' })).length).toBe(nanshan.length + 3);
  });
});

/** The suppressing decision of a key and fingerprint, or undefined. */
async function suppressedBy(key: string, fingerprint: string): Promise<number | undefined> {
  return (await suppressions(db)).find((s) => s.flagKey === key && s.fingerprint === fingerprint)?.decisionId;
}

describe('suppression', () => {
  it('suppresses a rejected key+fingerprint, not a changed fingerprint, and a later decision lifts it', async () => {
    const before = await suppressions(db);
    expect(before.map((s) => [s.flagKey, s.fingerprint])).toEqual([
      ['key-F-EDU-3', 'fp-F-EDU-3'],
      ['key-F-REM-2', 'fp-F-REM-2'],
    ]);

    const rej = await decide(db, { flagId: 'F-ADD-1', decision: 'rejected', reason: '父亲已于九月出狱', by: 'u1' });
    expect(await suppressedBy('key-F-ADD-1', 'fp-F-ADD-1')).toBe(rej.decisionId);
    // Next quarter the same condition with other evidence has another fingerprint: raised again.
    expect(await suppressedBy('key-F-ADD-1', 'fp-changed')).toBeUndefined();
    // The previous quarter's flag of the same key had another fingerprint: not what was rejected.
    expect(await suppressedBy('key-F-ADD-1', 'fp-old')).toBeUndefined();

    // A later confirmation (or needs_info) of the same key+fingerprint lifts it.
    await decide(db, { flagId: 'F-ADD-1', decision: 'needs_info', reason: '核实出狱日期', by: 'u2' });
    expect(await suppressedBy('key-F-ADD-1', 'fp-F-ADD-1')).toBeUndefined();
    const again = await decide(db, { flagId: 'F-ADD-1', decision: 'rejected', reason: '已核实出狱', by: 'u2' });
    expect(await suppressedBy('key-F-ADD-1', 'fp-F-ADD-1')).toBe(again.decisionId);
    await decide(db, { flagId: 'F-ADD-1', decision: 'confirmed', by: 'u3' });
    expect(await suppressedBy('key-F-ADD-1', 'fp-F-ADD-1')).toBeUndefined();
    expect((await suppressions(db)).map((s) => s.flagKey)).toEqual(['key-F-EDU-3', 'key-F-REM-2']);
  });
});

describe('labels', () => {
  it('has a Chinese label for every reason code of RULES.md §3', () => {
    for (const codes of Object.values(REASON_CODES)) for (const c of codes) expect(REASON_LABELS[c]).toMatch(/[\u4e00-\u9fff]/);
    expect(REASON_LABELS.NOT_ENROLLED).toBe('未入学');
    expect(REASON_LABELS.DROPPED_OUT).toBe('辍学');
  });
});
