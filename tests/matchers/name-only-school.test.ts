// A school record whose student ID has a wrong digit among its address digits, with no registry row and no birth date
// column, says no county: its guardians listed by name alone had no area to be looked up in (adversarial scenario,
// X_ENROLL_CHILD_ID_TYPO with C1). The student lives in its school's county, learned from the school's other
// students (matchers/name-only.ts school_county), and was born when the ID's birth digits say.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { openStore, type Db } from '../../pipeline/store/index.js';
import { linkPersons } from '../../matchers/index.js';
import { csvOf, makeId, personIdOf, tempDir, writeFile } from '../helpers.js';

const XIANGZHOU = '440402';
const DOUMEN = '440403';
/** The ID with its third digit changed (44 → 48): no county has that code, and the check fails. */
const regionTypo = (id: string) => id.slice(0, 2) + '8' + id.slice(3);

// school 1: six students of 香洲 with valid IDs; school 2: three of 香洲 and three of 斗门.
const classmates = (school: string, counties: string[]) =>
  counties.map((county, i) => [`同学${school}${i}`, makeId(county, `2012010${i + 1}`, `${i}1${i}`), school, '在读', `家长${school}${i}`, '', '父亲', '', '', '']);
const school1 = classmates('S1', Array(6).fill(XIANGZHOU));
const school2 = classmates('S2', [XIANGZHOU, XIANGZHOU, XIANGZHOU, DOUMEN, DOUMEN, DOUMEN]);
// The students: father listed by name alone; each father died in 香洲.
const qi = ['祁小满', regionTypo(makeId(XIANGZHOU, '20120915', '131')), 'S1', '在读', '祁德旺', '', '父亲', '', '', ''];
const bao = ['鲍小丰', regionTypo(makeId(XIANGZHOU, '20121015', '151')), 'S2', '在读', '鲍长贵', '', '父亲', '', '', ''];

// death: 姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号
const death = [
  ['祁德旺', makeId(XIANGZHOU, '19830303', '171'), '', '', '2025-03-05', XIANGZHOU, 'D1'],
  ['鲍长贵', makeId(XIANGZHOU, '19840404', '191'), '', '', '2025-03-06', XIANGZHOU, 'D2'],
];

let db: Db;
const rowOf = (name: string) => [...school1, ...school2, qi, bao].findIndex((r) => r[0] === name) + 1;

beforeAll(async () => {
  const inbox = tempDir();
  writeFile(
    inbox,
    'enrollment/xueji.csv',
    csvOf('姓名,身份证号,学校标识码,学籍状态,监护人一姓名,监护人一身份证号,监护人一关系,监护人二姓名,监护人二身份证号,监护人二关系', [...school1, ...school2, qi, bao]),
  );
  writeFile(inbox, 'death/gongan.csv', csvOf('姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号', death));
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, loadConfig(undefined, { database: ':memory:', inbox }));
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded']);
  await linkPersons(db, { runId: 'school' });
}, 60_000);

describe("a student without a county lives in its school's county", () => {
  it("links the name-only father of a student whose ID's address digits are wrong, through the school's county", async () =>
    expect(await personIdOf(db, 'enrollment', rowOf('祁小满'), 'guardian1')).toBe(await personIdOf(db, 'death', 1, 'subject')));

  it('a school whose students live in two counties, none with 80% of them, gives no county', async () =>
    expect(await personIdOf(db, 'enrollment', rowOf('鲍小丰'), 'guardian1')).not.toBe(await personIdOf(db, 'death', 2, 'subject')));
});
