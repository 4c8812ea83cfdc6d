// Rule preview (issue 15 item 6): a candidate profile evaluated on the demo run's facts, compared
// with the live profile, without writing anything.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config/index.js';
import { loadCandidateProfile, previewProfile, ProfileError, type PreviewResult } from '../../jobs/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { gatherFacts, type PersonFacts } from '../../rules/index.js';
import { biduiArgs, ROOT } from '../setup/cli.js';
import { copyStore, quarterRun } from '../setup/stores.js';
import { tempDir } from '../helpers.js';

const AS_OF = '2026-09-30';
let db: Db;
let cfg: Config;
let dir: string;

/** Every table of the store: its row count and a hash of all its rows. */
async function snapshot(): Promise<Record<string, string>> {
  const tables = await queryRows<{ t: string }>(db, `SELECT table_name AS t FROM duckdb_tables() WHERE NOT temporary ORDER BY t`);
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [r] = await queryRows<{ n: bigint; h: bigint | null }>(db, `SELECT count(*) AS n, bit_xor(hash(x::VARCHAR)) AS h FROM "${t}" x`);
    out[t] = `${r!.n}:${r!.h}`;
  }
  return out;
}

const profileFile = (name: string, value: unknown) => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(value));
  return f;
};

/** addMonths as RULES.md counts a term: the same day n months later, or that month's last day. */
function addMonths(iso: string, n: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last))).toISOString().slice(0, 10);
}

beforeAll(async () => {
  const run = await quarterRun({ seed: 1, size: 'small', asOf: AS_OF });
  dir = tempDir('bidui-preview-');
  cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox: join(run.province, 'inbox') });
  db = await openStore(copyStore(run.dir, cfg.database));
});

describe('rules preview', () => {
  it('an unchanged profile previews no change, and its baseline is the run as stored', async () => {
    const r = await previewProfile(db, { live: cfg, candidate: loadCandidateProfile(profileFile('same.json', { extends: 'national' })), needToKnow: true });
    expect(r.runId).toBe(`Q${AS_OF}`);
    expect(r.parameters).toEqual([]);
    expect(r.baseline).toBeGreaterThan(0);
    expect({ added: r.added, dropped: r.dropped, changed: r.changed, groups: r.groups.length, candidate: r.candidate }).toEqual({
      added: 0,
      dropped: 0,
      changed: 0,
      groups: 0,
      candidate: r.baseline,
    });
    expect(r.baselineVsRun).toEqual({ onlyRun: 0, onlyBaseline: 0 });
  });

  it('restriction.minMonths 6 → 12 lists exactly the flags whose restriction term lies between, and stores nothing', async () => {
    const before = await snapshot();
    const r: PreviewResult = await previewProfile(db, { live: cfg,
      candidate: loadCandidateProfile(profileFile('twelve.json', { extends: 'national', restriction: { minMonths: 12 } })),
      needToKnow: true,
      examples: 1_000,
    });
    expect(await snapshot()).toEqual(before);
    expect(r.parameters).toEqual([{ key: 'restriction.minMonths', live: 6, candidate: 12 }]);

    // Independently of the rules: the children one of whose people has a restriction in force at T whose
    // term is at least 6 months and under 12 — to the expected end, or, without one, the time served by
    // the end of the watch horizon (a WATCH flag announces that it reaches the threshold).
    const horizon = addMonths(AS_OF, 3);
    const facts = await gatherFacts(db, AS_OF, 18);
    const between = (p: PersonFacts | undefined) =>
      (p?.restrictions ?? []).filter((x) => {
        if (!['INCARCERATED', 'COMPULSORY_REHAB', 'OTHER_RESTRICTION'].includes(x.measure) || x.start > AS_OF) return false;
        if (x.release !== null && x.release <= AS_OF) return false;
        const end = x.end ?? horizon;
        return addMonths(x.start, 6) <= end && addMonths(x.start, 12) > end;
      });
    const termBetween = new Map<string, string[]>();
    for (const c of facts.children) {
      const ids = new Set([c.personId, c.listedFatherId, c.listedMotherId, ...c.registry.flatMap((x) => [x.father.personId, x.mother.personId, x.carerPersonId])]);
      const records = [...ids].flatMap((id) => (id ? between(facts.people.get(id)) : [])).map((x) => x.recordId);
      if (records.length) termBetween.set(c.personId, records);
    }
    expect(termBetween.size).toBeGreaterThan(0);

    const examples = r.groups.flatMap((g) => [...g.examples.added, ...g.examples.dropped]);
    expect(examples.length).toBe(r.added + r.dropped);
    expect(r.dropped).toBeGreaterThan(0);
    // Every change is a child with such a term …
    for (const e of examples) expect({ flag: e.flag, reason: e.reason, child: e.child_person_id, between: termBetween.has(e.child_person_id) }).toMatchObject({ between: true });
    // … and every stored flag that rests on such a term (its evidence names the record) is no longer raised.
    const resting = await queryRows<{ flag_id: string; reason: string; child_person_id: string; records: string[] }>(
      db,
      `SELECT flag_id, reason, child_person_id, list(json_extract_string(e, '$.record_id')) AS records
         FROM (SELECT *, unnest(CAST(evidence AS JSON[])) AS e FROM flags WHERE run_id = 'Q${AS_OF}' AND flag IN ('ADD', 'RECLASSIFY'))
        WHERE json_extract_string(e, '$.feed') = 'incarceration' GROUP BY ALL`,
    );
    const dropped = new Set(r.groups.flatMap((g) => g.examples.dropped.map((e) => `${e.flag_id}|${e.reason}`)));
    const expected = resting.filter((f) => f.records.every((id) => termBetween.get(f.child_person_id)?.includes(id)));
    expect(expected.length).toBeGreaterThan(0);
    for (const f of expected) expect(dropped.has(`${f.flag_id}|${f.reason}`)).toBe(true);
    // A dropped flag is one of the run's: a reviewer can open it.
    for (const g of r.groups) for (const e of g.examples.dropped) expect(e.stored).toBe(true);
    for (const e of examples) expect(e.child_id_masked).toMatch(/^(\d{6}\*+[\dXx]{4}|)$/);
  });

  it('without the need-to-know grant, HIV flags are left out of the preview, counts included', async () => {
    // An adult age of 19 keeps the 18-year-olds, HIV children among them (REMOVE AGED_OUT dropped).
    const candidate = loadCandidateProfile(profileFile('nineteen.json', { extends: 'national', adultAge: 19 }));
    const all = await previewProfile(db, { live: cfg, candidate, needToKnow: true, examples: 1_000 });
    const none = await previewProfile(db, { live: cfg, candidate, needToKnow: false, examples: 1_000 });
    const hiv = (r: PreviewResult) => r.groups.flatMap((g) => [...g.examples.added, ...g.examples.dropped]).filter((e) => e.category === 'HIV').length;
    expect(hiv(all)).toBeGreaterThan(0);
    expect(hiv(none)).toBe(0);
    expect(none.added + none.dropped).toBe(all.added + all.dropped - hiv(all));
    expect(none.baseline).toBeLessThan(all.baseline);
  });

  it('an invalid profile file is refused with a Chinese error naming the key', async () => {
    const bad = profileFile('bad.json', { extends: 'national', restriction: { minMonths: '十二' } });
    expect(() => loadCandidateProfile(bad)).toThrow(ProfileError);
    expect(() => loadCandidateProfile(bad)).toThrow(/候选规则配置 .*bad\.json：键 restriction\.minMonths：无效输入/);
    expect(() => loadCandidateProfile(profileFile('unknown.json', { restrictions: { minMonths: 12 } }))).toThrow(/键 restrictions：出现未知的键/);
    writeFileSync(join(dir, 'broken.json'), '{ "restriction": ');
    expect(() => loadCandidateProfile(join(dir, 'broken.json'))).toThrow(/不是有效的 JSON/);

    // The command says it on stderr and exits 2, before it opens any store.
    const run = promisify(execFile);
    const err = await run(process.execPath, [...(await biduiArgs()), '--db', cfg.database, 'rules', 'preview', '--profile', bad], { cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain('键 restriction.minMonths');
  });
});
