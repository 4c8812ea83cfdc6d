// What the name-only stage learns from the store's parents listed with a valid ID (matchers/name-only.ts):
// - the plausible age of a parent known by name alone (age_window): within the settings' parentAge, the central
//   parentAgeCoverage of the ages at which they had their children, once the store lists parentAgeMinParents of them.
//   A namesake decades older than those parents (a death among the elderly) is then neither the parent nor a rival;
// - the probability of a name-only link (self_test, calibration): looked up by name alone, how many of them found
//   their own record rather than a namesake's, once calibrationMinParents were looked up with one candidate.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { linkPersons } from '../../matchers/index.js';
import { csvOf, makeId, personIdOf, tempDir, writeFile } from '../helpers.js';

const NANSHAN = '440305';
const id = (birth: string, seq: string) => makeId(NANSHAN, birth, seq);
/** A school record: student, ID, father, his ID, mother, her ID. */
type Row = [string, string, string, string, string, string];

// Six households listing both parents with their IDs: fathers 28 to 32 years older than the child, mothers 26 to 30.
const listed: Row[] = [
  ['林小一', id('20120110', '301'), '林国一', id('19840105', '011'), '许慧一', id('19860105', '022')],
  ['林小二', id('20130210', '302'), '林国二', id('19840205', '031'), '许慧二', id('19850205', '042')],
  ['林小三', id('20140310', '303'), '林国三', id('19830305', '051'), '许慧三', id('19870305', '062')],
  ['林小四', id('20120410', '304'), '林国四', id('19810405', '071'), '许慧四', id('19840405', '082')],
  ['林小五', id('20150510', '305'), '林国五', id('19840505', '091'), '许慧五', id('19850505', '102')],
  ['林小六', id('20110610', '306'), '林国六', id('19800605', '111'), '许慧六', id('19820605', '122')],
];
// Row 7: the only man named 黄德胜 of the county with a record died at 79; he was 50 at the student's birth.
const elder: Row = ['黄小明', id('20120901', '141'), '黄德胜', '', '吴桂芳', ''];
// Row 8: two men named 周建军 died, one 30 and one 54 years older than the student.
const namesake: Row = ['周小安', id('20120202', '151'), '周建军', '', '钱慧', ''];

// death: 姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号
const death = [
  // looked up by name alone, 林国一 and 林国二 find their own death records, 林国三 (alive) a namesake's
  ['林国一', listed[0]![3], '', '', '2025-01-01', NANSHAN, 'D4'],
  ['林国二', listed[1]![3], '', '', '2025-01-02', NANSHAN, 'D5'],
  ['林国三', id('19830808', '251'), '', '', '2025-01-03', NANSHAN, 'D6'],
  ['黄德胜', id('19620606', '171'), '', '', '2025-03-05', NANSHAN, 'D1'],
  ['周建军', id('19820101', '191'), '', '', '2025-03-07', NANSHAN, 'D2'],
  ['周建军', id('19580303', '211'), '', '', '2025-04-07', NANSHAN, 'D3'],
];

let db: Db;
const pid = (feed: string, row: number, role: string) => personIdOf(db, feed, row, role);

beforeAll(async () => {
  const inbox = tempDir();
  const rows = [...listed, elder, namesake].map(([name, idNo, father, fatherId, mother, motherId]) => [name, idNo, '在读', father, fatherId, '父亲', mother, motherId, '母亲']);
  writeFile(inbox, 'enrollment/xueji.csv', csvOf('姓名,身份证号,学籍状态,监护人一姓名,监护人一身份证号,监护人一关系,监护人二姓名,监护人二身份证号,监护人二关系', rows));
  writeFile(inbox, 'death/gongan.csv', csvOf('姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号', death));
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, loadConfig(undefined, { database: ':memory:', inbox }));
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded']);
}, 60_000);

describe("a name-only parent's plausible age, from the store's parents listed with an ID", () => {
  it('with fewer listed parents than parentAgeMinParents, takes parentAge as written (50 and 54 are plausible)', async () => {
    await linkPersons(db, { runId: 'as-written' }); // six listed fathers: fewer than the shipped minimum
    expect(await pid('enrollment', 7, 'guardian1')).toBe(await pid('death', 4, 'subject'));
    // two plausible candidates: linked to neither
    const father = await pid('enrollment', 8, 'guardian1');
    expect([await pid('death', 5, 'subject'), await pid('death', 6, 'subject')]).not.toContain(father);
  });

  it('with enough of them, a record subject 50 years older is not the father, nor a rival of a namesake of a plausible age', async () => {
    await linkPersons(db, { runId: 'learned', nameOnly: { parentAgeMinParents: 6 } });
    expect(await pid('enrollment', 7, 'guardian1')).not.toBe(await pid('death', 4, 'subject'));
    expect(await pid('enrollment', 8, 'guardian1')).toBe(await pid('death', 5, 'subject'));
    expect(await pid('enrollment', 8, 'guardian1')).not.toBe(await pid('death', 6, 'subject'));
  });

  it("gives a name-only link the share of the store's listed parents who found their own record by name alone", async () => {
    // fathers looked up with one death record as candidate: 林国一 and 林国二 (their own), 林国三 (a namesake's): (2 + 1) / (3 + 2)
    const links = () =>
      queryRows<{ p: number; w: number; text: string }>(
        db,
        `SELECT match_probability AS p, match_weight AS w, explanation_text AS text FROM person_links WHERE basis = 'name_only' AND (mention_key_l LIKE 'enrollment:%:8:guardian1' OR mention_key_r LIKE 'enrollment:%:8:guardian1')`,
      );
    const link = async () => (await links()).map((r) => r.p);
    await linkPersons(db, { runId: 'calibrated', nameOnly: { parentAgeMinParents: 6, calibrationMinParents: 3 } });
    expect(await link()).toEqual([0.6]);
    // its weight is that probability's: log2(0.6 / 0.4)
    expect((await links())[0]).toMatchObject({ w: 0.58, text: expect.stringMatching(/^name_only: same name.* \(\+0\.58\)$/) });
    // with fewer of them than calibrationMinParents: matchProbability
    await linkPersons(db, { runId: 'uncalibrated', nameOnly: { parentAgeMinParents: 6, calibrationMinParents: 4 } });
    expect(await link()).toEqual([0.8]);
    // the lookups sampled down to about one parent: fewer than calibrationMinParents looked up, matchProbability again
    const lookedUp = async () => Number((await queryRows<{ n: number }>(db, `SELECT max(calibration_parents) AS n FROM name_only_candidates`))[0]!.n);
    const all = await lookedUp(); // every parent looked up (the minimum does not change who is)
    await linkPersons(db, { runId: 'sampled', nameOnly: { parentAgeMinParents: 6, calibrationMinParents: 3, calibrationMaxParents: 1 } });
    expect(await lookedUp()).toBeLessThan(all);
    expect(await link()).toEqual([0.8]);
  });
});
