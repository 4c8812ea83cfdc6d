// The adversarial scenario's own invariants (valid IDs, consistent truth, noise at its rates,
// determinism) and the per-noise-class scoring on a hand-made case.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkChar, isValidId18, makeId, day, birthDigitTypo, twoDigitTypo, Rng, toId15 } from '../../benchmarks/adversarial/basics.js';
import { DECOY_RATE, DEFECTS, EVENT_DEFECT_RATE, GUARDIAN_NO_ID_RATE, generateAdversarial, type AdversarialSummary } from '../../benchmarks/adversarial/generate.js';
import { scoreAdversarial } from '../../benchmarks/adversarial/score.js';
import { openDb } from '../../pipeline/store/index.js';

const root = mkdtempSync(join(tmpdir(), 'bidui-adversarial-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function csv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => {
    const cells: string[] = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < l.length; i++) {
      const ch = l[i]!;
      if (q) {
        if (ch === '"' && l[i + 1] === '"') (cur += '"'), i++;
        else if (ch === '"') q = false;
        else cur += ch;
      } else if (ch === '"') q = true;
      else if (ch === ',') cells.push(cur), (cur = '');
      else cur += ch;
    }
    cells.push(cur);
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
  });
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function digest(dir: string): Promise<string> {
  const h = createHash('sha256');
  for (const f of files(dir)) {
    h.update(f.slice(dir.length));
    if (f.endsWith('.xlsx')) {
      // zip entries carry write times: compare the cells
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(f);
      wb.worksheets[0]!.eachRow((row) => h.update(JSON.stringify(row.values)));
    } else h.update(readFileSync(f));
  }
  return h.digest('hex');
}

describe('identity numbers (GB 11643-1999)', () => {
  it('computes the check character of the standard example', () => {
    expect(checkChar('11010519491231002')).toBe('X');
    expect(isValidId18('11010519491231002X')).toBe(true);
    expect(isValidId18('110105194912310021')).toBe(false);
  });
  it('builds valid IDs with the gender in the sequence, and typos that break the check', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 500; i++) {
      const male = rng.chance(0.5);
      const id = makeId('513401', day('1985-06-15') + i, rng.int(0, 999), male);
      expect(isValidId18(id)).toBe(true);
      expect(Number(id[16]) % 2 === 1).toBe(male);
      const typo = birthDigitTypo(id, rng);
      expect(typo.slice(0, 6) + typo.slice(14)).toBe(id.slice(0, 6) + id.slice(14));
      expect([...typo].filter((c, k) => c !== id[k]).length).toBe(1);
      expect(isValidId18(typo)).toBe(false);
      expect([...twoDigitTypo(id, rng)].filter((c, k) => c !== id[k]).length).toBe(2);
      expect(toId15(id)).toBe(id.slice(0, 6) + id.slice(8, 17));
    }
  });
});

describe('adversarial generator (tiny)', () => {
  const a = join(root, 'a');
  const b = join(root, 'b');
  const c = join(root, 'c');
  let summary: AdversarialSummary;
  beforeAll(async () => {
    summary = await generateAdversarial({ seed: 5, size: 'tiny', out: a, asOf: '2026-09-30', families: 1200 });
    await generateAdversarial({ seed: 5, size: 'tiny', out: b, asOf: '2026-09-30', families: 1200 });
    await generateAdversarial({ seed: 6, size: 'tiny', out: c, asOf: '2026-09-30', families: 1200 });
  });

  it('is deterministic by seed, and another seed gives another scenario', async () => {
    expect(await digest(b)).toBe(await digest(a));
    expect(await digest(c)).not.toBe(await digest(a));
  });

  it('writes only the five feeds the product reads, a few thousand rows', () => {
    const feeds = new Set(Object.keys(summary.rows).map((f) => f.split('/')[0]));
    expect([...feeds].sort()).toEqual(['death', 'disability', 'enrollment', 'incarceration', 'registry']);
    const rows = Object.values(summary.rows).reduce((x, y) => x + y, 0);
    expect(rows).toBeGreaterThan(2500);
    expect(rows).toBeLessThan(8000);
  });

  it('keeps truth consistent: children are mentioned, evidence rows exist, keys are unique, reasons fit flags', () => {
    const flags = csv(join(a, 'truth', 'flags.csv'));
    const mentions = csv(join(a, 'truth', 'mentions.csv'));
    const records = new Set(csv(join(a, 'truth', 'records.csv')).map((r) => `${r.file}#${r.row}`));
    const mentioned = new Set(mentions.map((m) => m.person_id));
    const reasons: Record<string, string[]> = {
      ADD: ['BOTH_PARENTS_GONE', 'PARENTS_QUALIFY', 'CHILD_DISABLED', 'PARENTS_SEVERELY_DISABLED'],
      RECLASSIFY: ['BOTH_PARENTS_GONE', 'PARENTS_QUALIFY', 'CHILD_DISABLED', 'PARENTS_SEVERELY_DISABLED'],
      REMOVE: ['CHILD_DEAD', 'AGED_OUT', 'PARENT_RELEASED', 'PARENT_DISABILITY_ENDED', 'PARENT_REAPPEARED', 'BASIS_NO_LONGER_HOLDS', 'DUPLICATE_REGISTRATION'],
      URGENT: ['PARENT_EVENT_NO_CARER', 'CARER_EVENT'],
      EDUCATION: ['NOT_ENROLLED', 'DROPPED_OUT'],
      WATCH: ['THRESHOLD_PENDING', 'AGES_OUT_NEXT_QUARTER'],
    };
    expect(flags.length).toBeGreaterThan(100);
    const keys = new Set<string>();
    for (const f of flags) {
      expect(reasons[f.flag!]).toContain(f.reason);
      expect(mentioned.has(f.child_person_id!)).toBe(true);
      expect(isValidId18(f.child_id_number!)).toBe(true);
      expect(f.noise_classes).not.toBe('');
      for (const ref of f.evidence!.split(' ').filter(Boolean)) expect(records.has(ref)).toBe(true);
      const k = `${f.flag}|${f.reason}|${f.child_person_id}`;
      expect(keys.has(k)).toBe(false);
      keys.add(k);
      // a registered child's flags name its registry row; ADD is never for an active child
      if (['REMOVE', 'RECLASSIFY', 'EDUCATION', 'WATCH'].includes(f.flag!)) expect(f.child_ref).toMatch(/^R\d+$/);
    }
    for (const flag of ['ADD', 'REMOVE', 'RECLASSIFY', 'URGENT', 'EDUCATION']) expect(flags.some((f) => f.flag === flag)).toBe(true);
  });

  it('every ID the truth names for a person is a valid 18-digit ID, and mentions cover every row', () => {
    const mentions = csv(join(a, 'truth', 'mentions.csv'));
    const rows = csv(join(a, 'truth', 'records.csv'));
    const withMention = new Set(mentions.map((m) => `${m.file}#${m.row}`));
    for (const r of rows) expect(withMention.has(`${r.file}#${r.row}`)).toBe(true);
    expect(rows.length).toBe(Object.values(summary.rows).reduce((x, y) => x + y, 0));
  });

  it('puts noise at the intended rates', () => {
    const defective = summary.eventRecordsDefective / summary.eventRecords;
    expect(Math.abs(defective - EVENT_DEFECT_RATE)).toBeLessThan(0.04);
    const noId = summary.enrollmentGuardianNoId / summary.enrollmentRecords;
    expect(Math.abs(noId - GUARDIAN_NO_ID_RATE)).toBeLessThan(0.04);
    // every defect class occurs, roughly at its share of the defective records
    const total = DEFECTS.reduce((x, [, w]) => x + w, 0);
    const seen = summary.classRecords;
    for (const [cls, w] of DEFECTS) {
      const n = cls === 'X_EXCEL_SCIENTIFIC' ? (seen[cls] ?? 0) + (seen.X_EXCEL_NUMBER_CELL ?? 0) : (seen[cls] ?? 0);
      expect(n, cls).toBeGreaterThan(0);
      if (w >= 10) expect(Math.abs(n / summary.eventRecordsDefective - w / total), cls).toBeLessThan(0.1);
    }
    expect(summary.decoys).toBeGreaterThan(10);
    expect(DECOY_RATE.medium).toBeGreaterThan(DECOY_RATE.small);
    expect(DECOY_RATE.province).toBeGreaterThan(DECOY_RATE.medium);
    // the truth carries the named classes
    const classes = new Set(csv(join(a, 'truth', 'flags.csv')).flatMap((f) => f.noise_classes!.split(';')));
    for (const cls of ['C1_GUARDIAN_NAME_ONLY', 'C2_ID_BIRTH_DIGIT', 'C4_HOMONYM_DECOY', 'CLEAN']) expect(classes.has(cls), cls).toBe(true);
    expect([...classes].some((x) => x.startsWith('C3_'))).toBe(true);
  });
});

describe('adversarial scoring', () => {
  it('computes recall per noise class and per reason on a hand-made case', async () => {
    const dir = join(root, 'score');
    mkdirSync(join(dir, 'truth'), { recursive: true });
    writeFileSync(
      join(dir, 'truth', 'flags.csv'),
      [
        'flag,reason,category,previous_category,child_person_id,child_id_number,child_ref,child_name,effective_from,noise_classes,evidence',
        'ADD,PARENTS_QUALIFY,DE_FACTO,,T1,,,,,C1_GUARDIAN_NAME_ONLY;C2_ID_BIRTH_DIGIT,',
        'URGENT,PARENT_EVENT_NO_CARER,,,T1,,,,,C2_ID_BIRTH_DIGIT,',
        'ADD,PARENTS_QUALIFY,DE_FACTO,,T2,,,,,CLEAN,',
      ].join('\n') + '\n',
    );
    writeFileSync(join(dir, 'truth', 'mentions.csv'), 'file,row,role,person_id\nenrollment/e.csv,1,subject,T1\nenrollment/e.csv,2,subject,T2\nenrollment/e.csv,3,subject,T3\n');
    const db = await openDb(':memory:');
    await db.run(`CREATE TABLE ingest_batches (batch_id INTEGER, file_path VARCHAR)`);
    await db.run(`INSERT INTO ingest_batches VALUES (1, '${join(dir, 'inbox', 'enrollment', 'e.csv')}')`);
    await db.run(`CREATE TABLE persons (person_id VARCHAR, batch_id INTEGER, src_row INTEGER, role VARCHAR)`);
    await db.run(`INSERT INTO persons VALUES ('r1', 1, 1, 'subject'), ('r2', 1, 2, 'subject'), ('r3', 1, 3, 'subject')`);
    await db.run(`CREATE TABLE flags (run_id VARCHAR, flag VARCHAR, reason VARCHAR, category VARCHAR, child_person_id VARCHAR, child_id_number VARCHAR, child_ref VARCHAR, effective_from DATE, evidence JSON)`);
    // raised: T1's ADD (right, on the model's links), T3's ADD (wrong child, on a name-only link); missed: T1's URGENT, T2's ADD
    const model = JSON.stringify([{ feed: 'death', score: 1 }]);
    const nameOnly = JSON.stringify([{ feed: 'death', score: 1 }, { feed: 'incarceration', score: 0.7, basis: 'name_only' }]);
    await db.run(`INSERT INTO flags VALUES ('Q', 'ADD', 'PARENTS_QUALIFY', 'DE_FACTO', 'r1', NULL, NULL, NULL, '${model}'), ('Q', 'ADD', 'PARENTS_QUALIFY', 'DE_FACTO', 'r3', NULL, NULL, NULL, '${nameOnly}'), ('other', 'URGENT', 'PARENT_EVENT_NO_CARER', NULL, 'r1', NULL, NULL, NULL, '${model}')`);
    const s = await scoreAdversarial(db, 'Q', dir);
    const byClass = Object.fromEntries(s.classes.map((c) => [c.noise_class, [c.truth, c.raised, c.recall]]));
    expect(byClass).toEqual({ C1_GUARDIAN_NAME_ONLY: [1, 1, 1], C2_ID_BIRTH_DIGIT: [2, 1, 0.5], CLEAN: [1, 0, 0] });
    const byReason = Object.fromEntries(s.reasons.map((r) => [`${r.flag}/${r.reason}`, [r.truth, r.raised, r.truePositives, r.precision, r.recall]]));
    expect(byReason).toEqual({ 'ADD/PARENTS_QUALIFY': [2, 2, 1, 0.5, 0.5], 'URGENT/PARENT_EVENT_NO_CARER': [1, 0, 0, 1, 0] });
    const add = s.scores.find((x) => x.flag === 'ADD')!;
    expect([add.truth, add.raised, add.truePositives]).toEqual([2, 2, 1]);
    // precision per the weaker links a flag rests on
    expect(s.bases.map((b) => [b.flag, b.basis, b.raised, b.truePositives])).toEqual([['ADD', 'model', 1, 1], ['ADD', 'name_only', 1, 0]]);
  });
});
