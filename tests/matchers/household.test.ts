// Household links (matchers/household.ts; issues 14 and 15): a child's two records that name the same father or mother,
// with the same birth date and the same name (or reading), are one child even where the child's own identity is thin,
// through the real ingest, linkage and rules; a flag resting on such a link says so. Twins whose names read alike, and records whose parents carry other valid
// IDs, are left apart.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config/index.js';
import { queryRows, type Db } from '../../pipeline/store/index.js';
import { identitySettings, linkPersons } from '../../matchers/index.js';
import { gatherFacts } from '../../rules/index.js';
import { raiseFlags, type FlagRow } from '../../flags/index.js';
import { csvOf, ingestedInbox, makeId, personIdOf } from '../helpers.js';

const AS_OF = '2026-09-30';
const SHIXING = '440222';
const DEQING = '441226';

// 罗毅锋 is registered in 始兴 with his ID and again in 德庆 without it (birth date written, another county, the
// mother left out).
const luo = { child: makeId(SHIXING, '20101013', '141'), father: makeId(SHIXING, '19730105', '041'), mother: makeId(SHIXING, '19740302', '928') };
// 李婧静 is registered with her ID; her school record writes her name 李婧晶 (a homophone) without ID, and lists her
// parents with their IDs.
const li = { child: makeId(SHIXING, '20150612', '162'), father: makeId(SHIXING, '19860101', '013'), mother: makeId(SHIXING, '19880202', '024') };
// Twins of one household, 王子涵 and 王梓涵 (the same reading), registered, 王梓涵 without ID; a school record of
// 王子涵 without ID could be either.
const wang = { a: makeId(SHIXING, '20140808', '171'), father: makeId(SHIXING, '19840303', '035'), mother: makeId(SHIXING, '19850404', '046') };
// 张晓 is registered without ID in two counties; the two rows name fathers with different valid IDs: two children.
const zhang = { father1: makeId(SHIXING, '19800505', '057'), father2: makeId(DEQING, '19810606', '068'), mother: makeId(SHIXING, '19820707', '086') };

let db: Db;
let flags: FlagRow[];
const pid = (feed: string, row: number, role: string) => personIdOf(db, feed, row, role);

beforeAll(async () => {
  let cfg: Config;
  ({ db, cfg } = await ingestedInbox({
    'registry/mingce.csv': csvOf('儿童编号,儿童姓名,身份证号,出生日期,户籍地区划代码,保障类别,保障状态,父亲姓名,父亲身份证号,母亲姓名,母亲身份证号', [
      ['R1', '罗毅锋', luo.child, '2010-10-13', SHIXING, '孤儿', '在保', '罗伟浩', luo.father, '赵怡晴', luo.mother],
      ['R2', '罗毅锋', '', '2010-10-13', DEQING, '孤儿', '在保', '罗伟浩', luo.father, '', ''],
      ['R3', '李婧静', li.child, '2015-06-12', SHIXING, '事实无人抚养儿童', '在保', '李建国', li.father, '陈芳', li.mother],
      ['R4', '王子涵', wang.a, '2014-08-08', SHIXING, '孤儿', '在保', '王强', wang.father, '刘敏', wang.mother],
      ['R5', '王梓涵', '', '2014-08-08', SHIXING, '孤儿', '在保', '王强', wang.father, '刘敏', wang.mother],
      ['R6', '张晓', '', '2012-01-01', SHIXING, '孤儿', '在保', '张军', zhang.father1, '黄丽', zhang.mother],
      ['R7', '张晓', '', '2012-01-01', DEQING, '孤儿', '在保', '张军', zhang.father2, '黄丽', zhang.mother],
    ]),
    'enrollment/xueji.csv': csvOf('姓名,身份证号,出生日期,学籍状态,监护人一姓名,监护人一身份证号,监护人一关系,监护人二姓名,监护人二身份证号,监护人二关系', [
      ['李婧晶', '', '2015-06-12', '在读', '李建国', li.father, '父亲', '陈芳', li.mother, '母亲'],
      ['王子涵', '', '2014-08-08', '在读', '王强', wang.father, '父亲', '刘敏', wang.mother, '母亲'],
    ]),
  }));
  // A store this small does not train, and its untrained model links these pairs on name and birth date alone; a
  // province-sized one keeps them apart (another county weighs -13.5 bits on the synthetic province). The model here
  // links only what an ID says, as the trained one does for these records.
  const settings = identitySettings();
  settings.thresholds = { link: 1 - 1e-9, review: 0.5 };
  await linkPersons(db, { runId: 'household', settings });
  flags = raiseFlags(cfg, AS_OF, await gatherFacts(db, AS_OF, 18));
}, 60_000);

const householdLink = async (l: string, r: string) =>
  (
    await queryRows<{ basis: string; p: number }>(
      db,
      `SELECT basis, match_probability AS p FROM person_links WHERE (mention_key_l LIKE '${l}' AND mention_key_r LIKE '${r}') OR (mention_key_l LIKE '${r}' AND mention_key_r LIKE '${l}')`,
    )
  )[0];

describe('household links', () => {
  it('one child registered twice, once without ID in another county: one person, a duplicate registration', async () => {
    expect(await pid('registry', 2, 'child')).toBe(await pid('registry', 1, 'child'));
    expect(await householdLink('registry:%:1:child', 'registry:%:2:child')).toEqual({ basis: 'household', p: 0.95 });
    const dups = flags.filter((f) => f.reason === 'DUPLICATE_REGISTRATION');
    expect(dups.map((f) => f.child_ref)).toEqual(['R2']);
    // The flag cites both registrations, each joined to the child only by the household link, and is no surer than it.
    expect(JSON.parse(dups[0]!.evidence).map((e: { record_id: string; basis?: string }) => [e.record_id, e.basis ?? null]).sort()).toEqual([
      ['R1', 'household'],
      ['R2', 'household'],
    ]);
    expect(dups[0]!.score).toBe(0.95);
  });

  it("a school record without ID, the name written with a homophone, is the registered child's: no out-of-school flag", async () => {
    expect(await pid('enrollment', 1, 'subject')).toBe(await pid('registry', 3, 'child'));
    expect(await householdLink('registry:%:3:child', 'enrollment:%:1:subject')).toEqual({ basis: 'household', p: 0.95 });
    expect(flags.filter((f) => f.child_ref === 'R3' && f.flag === 'EDUCATION')).toEqual([]);
  });

  it('twins whose names read alike are left apart, and the school record of one is not given to the other', async () => {
    expect(await pid('registry', 4, 'child')).not.toBe(await pid('registry', 5, 'child'));
    expect(await pid('enrollment', 2, 'subject')).not.toBe(await pid('registry', 5, 'child'));
    expect(flags.filter((f) => f.reason === 'DUPLICATE_REGISTRATION' && ['R4', 'R5'].includes(f.child_ref ?? ''))).toEqual([]);
  });

  it('two rows whose fathers carry different valid IDs are two children, though name, birth date and mother agree', async () => {
    expect(await pid('registry', 6, 'child')).not.toBe(await pid('registry', 7, 'child'));
  });
});
