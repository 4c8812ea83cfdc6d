// What a mention says of its ID (birth date, sex, address code, county) is read from a valid ID's digits in SQL
// (matchers/mentions.ts FROM_VALID_ID), not opened from the sealed columns the ingest stored beside it: it must
// be what pipeline/identity normalizeId says, for every kind of ID a feed delivers.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { ensureMatchFunctions } from '../../matchers/index.js';
import { mentionsStages } from '../../matchers/mentions.js';
import { allRegions, checkDigit, normalizeId } from '../../pipeline/identity/index.js';
import { dropOpenView, openNameFormsOnce, openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明'];

/** A deterministic pseudo-random sequence (the cases are the same every run). */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/**
 * Every kind of ID a column holds: valid (in-use and retired address codes), ending in 000, 15 digits, a wrong check
 * digit, a spreadsheet's damage, an unknown address code, an impossible birth date, empty.
 */
function someIds(n: number): string[] {
  const rnd = random(7);
  const regions = allRegions();
  const inUse = regions.filter((r) => r.inUse);
  const retired = regions.filter((r) => !r.inUse && r.current.length);
  const pick = <T,>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const birth = () => {
    const d = new Date(Date.UTC(1950, 0, 1) + Math.floor(rnd() * 70 * 365.25) * 86_400_000);
    return d.toISOString().slice(0, 10).replaceAll('-', '');
  };
  const seq = () => String(Math.floor(rnd() * 1000)).padStart(3, '0');
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 10;
    const region = kind === 1 ? pick(retired).code : pick(inUse).code;
    const valid = makeId(region, birth(), seq());
    if (kind <= 2) ids.push(valid);
    else if (kind === 3) {
      // A valid ID ending in 000: its sex digit may be a spreadsheet's zero.
      let id = '';
      for (let d = 0; d < 10 && !id; d++) {
        const first17 = region + birth() + `${d}00`;
        if (checkDigit(first17) === '0') id = first17 + '0';
      }
      ids.push(id || valid);
    } else if (kind === 4) ids.push(valid.slice(0, 6) + valid.slice(8, 17)); // 15 digits
    else if (kind === 5) ids.push(valid.slice(0, 17) + (valid[17] === '1' ? '2' : '1')); // a wrong check digit
    else if (kind === 6) ids.push(`${valid[0]}.${valid.slice(1, 15)}E+17`); // a spreadsheet's scientific notation
    else if (kind === 7) ids.push('');
    else if (kind === 8) ids.push(makeId('999999', birth(), seq())); // no such address code
    else ids.push(makeId(region, '20230231', seq())); // no such day
  }
  return ids;
}

let db: Db;
const fathers = new Map<string, string>();
const mothers = new Map<string, string>();
/** Incarceration (need-to-know: every column sealed, the parts of the ID too): the subjects' IDs by name. */
const prisoners = new Map<string, string>();
/** Disability records: the certificate number (the ID and two digits) and the ID column, by name. */
const certificates = new Map<string, { cert: string; column: string }>();
const name = (k: number) => SURNAMES[k % SURNAMES.length]! + GIVEN[Math.floor(k / SURNAMES.length) % GIVEN.length]! + GIVEN[Math.floor(k / 128) % GIVEN.length]!;

beforeAll(async () => {
  const ids = someIds(600);
  const rows: string[] = [];
  for (let i = 0; i < 200; i++) {
    const [father, mother] = [name(2 * i), name(2 * i + 1)];
    fathers.set(father, ids[2 * i]!);
    mothers.set(mother, ids[2 * i + 1]!);
    rows.push(['李' + GIVEN[i % GIVEN.length]!, makeId('440305', '20120315', String(100 + i)), '', '', '440305', '孤儿', '在保', father, ids[2 * i], mother, ids[2 * i + 1]].join(','));
  }
  const prison: string[] = [];
  for (let i = 0; i < 200; i++) {
    prisoners.set(name(400 + i), ids[400 + i]!);
    prison.push([name(400 + i), ids[400 + i], '服刑在押', '2024-01-01'].join(','));
  }
  // The same kinds of ID as the first 18 characters of a certificate number (残疾人证号 = ID + category + grade).
  const disability: string[] = [];
  for (let i = 0; i < 200; i++) {
    const cert = ids[i]! ? ids[i]! + '41' : '';
    // The ID column holds another valid number (a clerk's slip): the certificate's ID replaces it when that is valid.
    const column = makeId('440305', '19800101', String(100 + i));
    certificates.set(name(600 + i), { cert, column });
    disability.push([name(600 + i), column, cert, '4', '1', '2022-01-01', '有效'].join(','));
  }
  const inbox = tempDir();
  writeFile(inbox, 'registry/roster.csv', '姓名,身份证号,性别,出生日期,户籍地区划代码,保障类别,保障状态,父亲姓名,父亲身份证号,母亲姓名,母亲身份证号\n' + rows.join('\n') + '\n');
  writeFile(inbox, 'incarceration/sifa.csv', '姓名,身份证号,措施类型,起始日期\n' + prison.join('\n') + '\n');
  writeFile(inbox, 'disability/canlian.csv', '姓名,身份证号,残疾人证号,残疾类别,残疾等级,发证日期,证件状态\n' + disability.join('\n') + '\n');
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, loadConfig(undefined, { database: ':memory:', inbox }));
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded', 'loaded']);
  await ensureMatchFunctions(db);
  await dropOpenView(db, 'mentions');
  const forms = await openNameFormsOnce(db);
  for (const stage of mentionsStages('mentions')) await db.run(stage.sql);
  await forms.done();
}, 60_000);

describe('mentions: what an ID says', () => {
  it("a parent's mention, and a prisoner's (every column sealed), has the birth date, sex, address code and county normalizeId gives its ID", async () => {
    const mentions = await queryRows<{ role: string; name: string; id: string | null; valid: boolean; birth: string | null; id_birth: string | null; region: string | null; gender: string | null; county: string | null }>(
      db,
      `SELECT role, name_raw AS name, id, id_valid AS valid, birth_date::VARCHAR AS birth, id_birth_date::VARCHAR AS id_birth, id_region AS region, gender, county
       FROM mentions WHERE feed = 'registry' AND role IN ('father', 'mother') OR feed = 'incarceration'`,
    );
    expect(mentions).toHaveLength(600); // a person named without an ID is a mention too
    const kinds = { valid: 0, damaged: 0, invalid: 0, zeroTail: 0, prisonersValid: 0 };
    for (const m of mentions) {
      const raw = (m.role === 'father' ? fathers : m.role === 'mother' ? mothers : prisoners).get(m.name);
      expect(raw, m.name).toBeDefined();
      const r = normalizeId(raw);
      const trusted = r.valid || r.damaged;
      const expected = {
        id: r.id,
        valid: r.valid,
        id_birth: r.birthDate,
        region: r.region,
        birth: trusted ? r.birthDate : null,
        gender: trusted ? r.gender : null,
        county: trusted ? (r.regionCurrent[0] ?? r.region) : null,
      };
      expect({ id: m.id, valid: m.valid, id_birth: m.id_birth, region: m.region, birth: m.birth, gender: m.gender, county: m.county }, `${m.role} ${raw}`).toEqual(expected);
      if (r.valid) kinds.valid++;
      if (r.damaged) kinds.damaged++;
      if (r.id && !r.valid) kinds.invalid++;
      if (r.valid && raw!.endsWith('000')) kinds.zeroTail++;
      if (r.valid && m.role === 'subject') kinds.prisonersValid++;
    }
    // Every kind was there to compare.
    expect(kinds.valid).toBeGreaterThan(200);
    expect(kinds.prisonersValid).toBeGreaterThan(60);
    expect(kinds.damaged).toBeGreaterThan(20);
    expect(kinds.invalid).toBeGreaterThan(100);
    expect(kinds.zeroTail).toBeGreaterThan(20);
  });

  it("a disability record's certificate ID replaces another ID column and is read as a valid ID column is (no sex for one ending in 000)", async () => {
    const mentions = await queryRows<{ name: string; id: string | null; birth: string | null; region: string | null; gender: string | null; county: string | null }>(
      db,
      `SELECT name_raw AS name, id, birth_date::VARCHAR AS birth, region6 AS region, gender, county FROM mentions WHERE feed = 'disability'`,
    );
    expect(mentions).toHaveLength(200);
    let [rescued, zeroTail] = [0, 0];
    for (const m of mentions) {
      const row = certificates.get(m.name);
      expect(row, m.name).toBeDefined();
      // Only a valid 18-character ID starts a certificate number the linkage trusts (certificateIdSql); else the column.
      const fromCert = normalizeId(row!.cert.slice(0, 18));
      const r = fromCert.valid ? fromCert : normalizeId(row!.column);
      const expected = { id: r.id, birth: r.birthDate, region: r.region, gender: r.gender, county: r.regionCurrent[0] ?? r.region };
      expect({ id: m.id, birth: m.birth, region: m.region, gender: m.gender, county: m.county }, row!.cert).toEqual(expected);
      if (fromCert.valid) rescued++;
      if (fromCert.valid && fromCert.id!.endsWith('000')) zeroTail++;
    }
    expect(rescued).toBeGreaterThan(50);
    expect(zeroTail).toBeGreaterThan(10);
  });
});
