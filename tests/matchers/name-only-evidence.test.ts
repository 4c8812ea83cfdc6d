// Name-only guardian links (issue 14, class 1; matchers/name-only.ts), the evidence beyond the name, through the
// real ingest: the household that lists a parent with an ID outweighs a namesake's record; a school record whose
// student ID has a wrong digit takes the student's county and birth date from the student's other records; and the
// subjects of court, lost-contact and illness records are candidates like those of death records. A record with
// neither ID nor birth date links to a registry parent whose row states the record's event since its date. A parent's
// old ID whose retired address code went to several districts, a record whose ID fails its check, and a record that
// leaves out the sex, and an ID whose year has a wrong digit still give their candidate (adversarial scenario: X_RETIRED_REGION_CODE, C2, a sex column left empty).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { linkPersons } from '../../matchers/index.js';
import { gatherFacts } from '../../rules/index.js';
import { raiseFlags, type FlagRow } from '../../flags/index.js';
import { csvOf, makeId, personIdOf, tempDir, writeFile } from '../helpers.js';

const AS_OF = '2026-09-30';
const XIANGZHOU = '440402';
const DOUMEN = '440403';
const JINWAN = '440404';

// 香洲: two children of one household; one school record lists the parents by name only, the sibling's with IDs.
// The father is alive; a namesake of his (another man of the county, of a plausible age) died.
const guo = { father: makeId(XIANGZHOU, '19840301', '011'), mother: makeId(XIANGZHOU, '19860402', '022') };
const guoKids = [['郭小林', makeId(XIANGZHOU, '20130505', '031')], ['郭小森', makeId(XIANGZHOU, '20150606', '041')]] as const;
// 斗门: a father reported lost (失联) and a mother with an illness record; another student's father declared missing by a court.
const shao = { child: makeId(DOUMEN, '20120707', '051'), father: makeId(DOUMEN, '19830808', '013'), mother: makeId(DOUMEN, '19850909', '024') };
const hou = { child: makeId(DOUMEN, '20140101', '062'), father: makeId(DOUMEN, '19820202', '035') };
// 金湾: a registered child whose school record carries its ID with one wrong digit and its parents by name only;
// the registry row lists the parents with their IDs, and the father's death record carries his ID.
const qin = { child: makeId(JINWAN, '20120303', '071'), father: makeId(JINWAN, '19810404', '017'), mother: makeId(JINWAN, '19840505', '028') };
/** The ID with its 16th digit (in the sequence) changed: invalid, its address and birth digits intact. */
const typo = (id: string) => id.slice(0, 15) + String((Number(id[15]) + 1) % 10) + id.slice(16);
const qinTypo = typo(qin.child);
// 香洲: an unregistered student whose only record, a school record, carries its ID with one wrong digit and its parents
// by name only; both parents died.
const zou = { child: makeId(XIANGZHOU, '20110808', '081'), father: makeId(XIANGZHOU, '19800101', '091'), mother: makeId(XIANGZHOU, '19820202', '102') };

// 香洲: a student whose father's ID on the school record fails its check (born 1990 by its digits); a namesake of the
// father, born 1975, of the county, died. The digits say he is not that man.
const jiang = { child: makeId(XIANGZHOU, '20130909', '141'), father: typo(makeId(XIANGZHOU, '19900303', '151')), namesake: makeId(XIANGZHOU, '19750505', '161') };

// 斗门: a registered child whose registry row says the father is held (服刑在押) since 2026-07-15 and the mother died on
// 2024-05-05, both listed with IDs; a prison list and a cremation record name them without ID, birth date or county.
const yin = { child: makeId(DOUMEN, '20150303', '111'), father: makeId(DOUMEN, '19860404', '121'), mother: makeId(DOUMEN, '19880505', '132') };

// 成都: 东城区 (510102) was retired in 1990 and its area went to 锦江 510104, 成华 510108 and 金牛 510107.
// A student of 成华 whose father, born in 东城, died: his ID keeps 510102, which maps first to 锦江.
const wen = { child: makeId('510108', '20140404', '171'), father: makeId('510102', '19820202', '013') };
// A student of 锦江 whose mother's death record carries her ID with a wrong month digit (month 13: no date, no
// county of the record's own, no sex column): its address digits, its year and its sex digit still say who she is.
const lu = { child: makeId('510104', '20120212', '181'), mother: makeId('510104', '19861302', '022') };
// A student of 青羊 whose father's death record has no ID and no sex, but his birth date and his county.
const fu = { child: makeId('510105', '20130313', '191') };
// A student of 青羊 whose father's death record carries his ID with a wrong first digit of the year (6985: no date):
// the one year a digit away, 1985, still places him in the parents' generation.
const shi = { child: makeId('510105', '20140606', '211'), father: makeId('510105', '19850707', '013') };
const yearTypo = (id: string) => id.slice(0, 6) + '6' + id.slice(7);
// 青羊: a student whose father, listed by name only, died; another man of that name, county and generation died too,
// and another school record lists him with his ID as its student's father: he is that household's father, no rival.
const gong = { child: makeId('510105', '20150505', '221'), father: makeId('510105', '19820808', '033') };
const gongOther = { child: makeId('510105', '20120101', '241'), father: makeId('510105', '19810909', '053'), mother: makeId('510105', '19830303', '062') };

const csv = csvOf;

let db: Db;
let flags: FlagRow[];

const pid = (feed: string, row: number, role: string) => personIdOf(db, feed, row, role);
async function nameOnlyLink(feed: string, row: number, role: string) {
  const [l] = await queryRows<{ basis: string; p: number }>(
    db,
    `SELECT basis, match_probability AS p FROM person_links WHERE mention_key_l LIKE '${feed}:%:${row}:${role}' AND basis = 'name_only'`,
  );
  return l;
}

beforeAll(async () => {
  const inbox = tempDir();
  writeFile(
    inbox,
    'enrollment/xueji.csv',
    csv('姓名,身份证号,出生日期,学籍状态,监护人一姓名,监护人一身份证号,监护人一关系,监护人二姓名,监护人二身份证号,监护人二关系', [
      [guoKids[0][0], guoKids[0][1], '', '在读', '郭建华', '', '父亲', '邓芳', '', '母亲'],
      [guoKids[1][0], guoKids[1][1], '', '在读', '郭建华', guo.father, '父亲', '邓芳', guo.mother, '母亲'],
      ['邵小宇', shao.child, '', '在读', '邵文斌', '', '父亲', '韦丽娟', '', '母亲'],
      ['侯小雪', hou.child, '', '在读', '侯振东', '', '父亲', '', '', ''],
      ['秦小雨', qinTypo, '2012-03-03', '在读', '秦志远', '', '父亲', '庞秀兰', '', '母亲'],
      ['邹小蕾', typo(zou.child), '2011-08-08', '在读', '邹国平', '', '父亲', '葛淑珍', '', '母亲'],
      ['蒋小川', jiang.child, '', '在读', '蒋国庆', jiang.father, '父亲', '', '', ''],
      ['温小岚', wen.child, '', '在读', '温建军', '', '父亲', '卢春燕', '', '母亲'],
      ['鲁小川', lu.child, '', '在读', '鲁志明', '', '父亲', '严丽萍', '', '母亲'],
      ['符小梅', fu.child, '', '在读', '符建国', '', '父亲', '', '', ''],
      ['史小红', shi.child, '', '在读', '史建平', '', '父亲', '', '', ''],
      ['龚小雨', gong.child, '', '在读', '龚志华', '', '父亲', '', '', ''],
      ['龚小明', gongOther.child, '', '在读', '龚志华', gongOther.father, '父亲', '柳春梅', gongOther.mother, '母亲'],
    ]),
  );
  writeFile(
    inbox,
    'registry/mingce.csv',
    csv('儿童编号,儿童姓名,身份证号,保障类别,保障状态,父亲姓名,父亲身份证号,父亲情况,父亲情况起始日期,母亲姓名,母亲身份证号,母亲情况,母亲情况起始日期', [
      ['R1', '秦小雨', qin.child, '留守儿童', '在保', '秦志远', qin.father, '正常', '', '庞秀兰', qin.mother, '正常', ''],
      ['R2', '尹小禾', yin.child, '事实无人抚养儿童', '在保', '尹志强', yin.father, '服刑在押', '2026-07-15', '柏雪梅', yin.mother, '死亡', '2024-05-05'],
    ]),
  );
  writeFile(
    inbox,
    'death/gongan.csv',
    csv('姓名,身份证号,死亡日期,记录编号,出生日期,户籍地区划代码', [
      ['郭建华', makeId(XIANGZHOU, '19830115', '051'), '2025-03-01', 'D1', '', ''],
      ['秦志远', qin.father, '2026-08-01', 'D2', '', ''],
      ['邹国平', zou.father, '2025-02-01', 'D3', '', ''],
      ['葛淑珍', zou.mother, '2025-04-01', 'D4', '', ''],
      ['柏雪梅', '', '2024-05-05', 'D5', '', ''],
      ['蒋国庆', jiang.namesake, '2025-09-09', 'D6', '', ''],
      ['温建军', wen.father, '2025-10-10', 'D7', '', ''],
      ['严丽萍', lu.mother, '2025-11-11', 'D8', '', ''],
      ['符建国', '', '2025-12-12', 'D9', '1980-05-05', '510105'],
      ['史建平', yearTypo(shi.father), '2025-12-20', 'D10', '', ''],
      ['龚志华', gong.father, '2025-06-06', 'D11', '', ''],
      ['龚志华', gongOther.father, '2024-04-04', 'D12', '', ''],
    ]),
  );
  writeFile(
    inbox,
    'incarceration/jianyu.csv',
    csv('姓名,身份证号,性别,措施类型,起始日期,预计结束日期,记录编号', [
      ['尹志强', '', '男', '服刑在押', '2026-07-15', '2029-07-15', 'J1'],
      // another date: not the father the registry row describes
      ['尹志强', '', '男', '服刑在押', '2025-01-10', '2027-01-10', 'J2'],
    ]),
  );
  writeFile(inbox, 'lost_contact/shilian.csv', csv('姓名,身份证号,报告日期,找回日期,记录编号', [['邵文斌', shao.father, '2025-01-01', '', 'L1']]));
  writeFile(inbox, 'illness/jibing.csv', csv('姓名,身份证号,疾病编码,疾病名称,确诊日期,记录编号', [['韦丽娟', shao.mother, 'C91.0', '急性淋巴细胞白血病', '2026-03-01', 'I1']]));
  writeFile(inbox, 'court/panjue.csv', csv('姓名,身份证号,判决类型,判决日期,法院,案号', [['侯振东', hou.father, '宣告失踪', '2025-06-01', '斗门区人民法院', 'A1']]));
  const cfg = loadConfig(undefined, { database: ':memory:', inbox });
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, cfg);
  expect(reports.every((r) => r.status === 'loaded')).toBe(true);
  await linkPersons(db, { runId: 'name-only-evidence' });
  flags = raiseFlags(cfg, AS_OF, await gatherFacts(db, AS_OF, 18));
}, 60_000);

describe('name-only guardian links: evidence beyond the name', () => {
  it("links a name-only father to the father his household lists with an ID, not to a namesake's death record", async () => {
    const father = await pid('enrollment', 1, 'guardian1');
    expect(father).toBe(await pid('enrollment', 2, 'guardian1'));
    expect(father).not.toBe(await pid('death', 1, 'subject'));
    expect(await pid('enrollment', 1, 'guardian2')).toBe(await pid('enrollment', 2, 'guardian2'));
    expect(await nameOnlyLink('enrollment', 1, 'guardian1')).toMatchObject({ basis: 'name_only', p: 0.8 });
    // the namesake's death is not the children's father's: no flag
    expect(flags.filter((f) => guoKids.some(([, id]) => f.child_id_number === id))).toEqual([]);
  });

  it('links name-only parents to the subjects of lost-contact, illness and court records', async () => {
    expect(await pid('enrollment', 3, 'guardian1')).toBe(await pid('lost_contact', 1, 'subject'));
    expect(await pid('enrollment', 3, 'guardian2')).toBe(await pid('illness', 1, 'subject'));
    expect(await pid('enrollment', 4, 'guardian1')).toBe(await pid('court', 1, 'subject'));
    for (const [row, role] of [[3, 'guardian1'], [3, 'guardian2'], [4, 'guardian1']] as const) {
      expect(await nameOnlyLink('enrollment', row, role)).toMatchObject({ basis: 'name_only', p: 0.8 });
    }
  });

  it("does not link by name a father whose ID fails its check to a namesake the ID's digits rule out", async () => {
    expect(await pid('enrollment', 7, 'guardian1')).not.toBe(await pid('death', 6, 'subject'));
    expect(await nameOnlyLink('enrollment', 7, 'guardian1')).toBeUndefined();
    expect(flags.filter((f) => f.child_id_number === jiang.child)).toEqual([]);
  });

  it("takes the student's county and birth date from its other records when its school record's ID has a wrong digit", async () => {
    // the school record is the registered child's (the engine links the ID with one wrong digit)
    expect(await pid('enrollment', 5, 'subject')).toBe(await pid('registry', 1, 'child'));
    // its name-only father is the father the registry row lists with his ID, whose death record is his
    expect(await pid('enrollment', 5, 'guardian1')).toBe(await pid('registry', 1, 'father'));
    expect(await pid('enrollment', 5, 'guardian1')).toBe(await pid('death', 2, 'subject'));
    expect(await pid('enrollment', 5, 'guardian2')).toBe(await pid('registry', 1, 'mother'));
  });

  it("takes an unregistered student's county from the address digits of its ID with a wrong digit", async () => {
    expect(await pid('enrollment', 6, 'guardian1')).toBe(await pid('death', 3, 'subject'));
    expect(await pid('enrollment', 6, 'guardian2')).toBe(await pid('death', 4, 'subject'));
    const [add] = flags.filter((f) => f.child_name === '邹小蕾');
    expect(add).toMatchObject({ flag: 'ADD', reason: 'BOTH_PARENTS_GONE', score: 0.8 });
  });

  it("compares a parent's old ID with every county its retired address code went to", async () => {
    expect(await pid('enrollment', 8, 'guardian1')).toBe(await pid('death', 7, 'subject'));
    expect(await nameOnlyLink('enrollment', 8, 'guardian1')).toMatchObject({ basis: 'name_only', p: 0.8 });
  });

  it("takes a record's county, sex and birth year from its ID's digits when the ID fails its check", async () => {
    expect(await pid('enrollment', 9, 'guardian2')).toBe(await pid('death', 8, 'subject'));
    expect(await nameOnlyLink('enrollment', 9, 'guardian2')).toMatchObject({ basis: 'name_only', p: 0.8 });
  });

  it("takes the birth year a digit away when the year of a record's ID is not one", async () => {
    expect(await pid('enrollment', 11, 'guardian1')).toBe(await pid('death', 10, 'subject'));
    expect(await nameOnlyLink('enrollment', 11, 'guardian1')).toMatchObject({ basis: 'name_only', p: 0.8 });
  });

  it('does not count as a rival candidate the namesake another household lists with his ID as its father', async () => {
    expect(await pid('death', 12, 'subject')).toBe(await pid('enrollment', 13, 'guardian1'));
    expect(await pid('enrollment', 12, 'guardian1')).toBe(await pid('death', 11, 'subject'));
    expect(await nameOnlyLink('enrollment', 12, 'guardian1')).toMatchObject({ basis: 'name_only', p: 0.8 });
  });

  it('links a parent to a record that leaves out the sex', async () => {
    expect(await pid('enrollment', 10, 'guardian1')).toBe(await pid('death', 9, 'subject'));
  });

  it("links a record with neither ID nor birth date nor county to the registry parent whose row states its event since its date", async () => {
    expect(await pid('incarceration', 1, 'subject')).toBe(await pid('registry', 2, 'father'));
    expect(await pid('death', 5, 'subject')).toBe(await pid('registry', 2, 'mother'));
    const [link] = await queryRows<{ basis: string; text: string }>(
      db,
      `SELECT basis, explanation_text AS text FROM person_links WHERE mention_key_l LIKE 'incarceration:%:1:subject'`,
    );
    expect(link).toMatchObject({ basis: 'name_only' });
    expect(link!.text).toMatch(/a registry row states this parent's event/);
    // a restriction of another date is not the one the registry row states
    expect(await pid('incarceration', 2, 'subject')).not.toBe(await pid('registry', 2, 'father'));
  });
});
