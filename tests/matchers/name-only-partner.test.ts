// A parent listed by a common name links by name alone only beside the other parent (matchers/name-only.ts, g_area and
// nameOnlyLinksFromCandidatesStage): when the same record lists the other parent by a rare name, also by name alone,
// and that parent links on its own, both records together are the evidence (adversarial scenario, C1: a common name's
// link with such a partner was right about as often as a rare name's alone).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { linkPersons } from '../../matchers/index.js';
import { csvOf, makeId, personIdOf, tempDir, writeFile } from '../helpers.js';

const NANSHAN = '440305';
const FUTIAN = '440304';
const BAOAN = '440306';
const LUOHU = '440303';
const LONGGANG = '440307';

// School records: student, ID, father, his ID, mother, her ID.
type Row = [string, string, string, string, string, string];
const records: Row[] = [
  // 1: the common name 张伟 beside the rare 罗晓澜, both by name alone; both have records in 南山
  ['张小雨', makeId(NANSHAN, '20120315', '121'), '张伟', '', '罗晓澜', ''],
  // 2: 张伟 beside a mother listed with her ID: no partner by name
  ['张小林', makeId(FUTIAN, '20120520', '131'), '张伟', '', '钱丽', makeId(FUTIAN, '19860303', '042')],
  // 3: 张伟 beside the rare 喻青黛, who has no record: the partner does not link
  ['张小北', makeId(BAOAN, '20130704', '141'), '张伟', '', '喻青黛', ''],
  // 4: 张伟 beside the rare 罗晓澄, who links; the only 张伟 of 龙岗 with a record is 28 years older than she is
  ['张小东', makeId(LONGGANG, '20120808', '151'), '张伟', '', '罗晓澄', ''],
  // 5–16: twelve fathers named 张伟 of 罗湖, listed with their IDs: the name is common in the store
  ...Array.from({ length: 12 }, (_, i): Row => [`张罗${i}`, makeId(LUOHU, `2012010${(i % 9) + 1}`, `${200 + i}`), '张伟', makeId(LUOHU, `1980010${(i % 9) + 1}`, `${301 + 2 * i}`), `某女${i}`, '']),
];

// death: 姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号
const death = [
  ['张伟', makeId(NANSHAN, '19820310', '011'), '', '', '2025-03-01', NANSHAN, 'D1'],
  ['张伟', makeId(FUTIAN, '19830410', '031'), '', '', '2025-03-02', FUTIAN, 'D2'],
  ['张伟', makeId(BAOAN, '19840510', '051'), '', '', '2025-03-03', BAOAN, 'D3'],
  ['张伟', makeId(LONGGANG, '19600510', '071'), '', '', '2025-03-04', LONGGANG, 'D4'],
];
// incarceration: 姓名,身份证号,性别,措施类型,起始日期,预计结束日期,记录编号
const prison = [
  ['罗晓澜', makeId(NANSHAN, '19850612', '022'), '女', '服刑在押', '2025-08-01', '2030-08-01', 'J1'],
  ['罗晓澄', makeId(LONGGANG, '19880612', '042'), '女', '服刑在押', '2025-08-02', '2030-08-02', 'J2'],
];

let db: Db;
const pid = (feed: string, row: number, role: string) => personIdOf(db, feed, row, role);
// 张伟 carries 17 of the store's named mentions (about 46): common at a share of 0.2, rare at 0.5.
const linkWithShare = (maxNameShare: number) => linkPersons(db, { runId: `share-${maxNameShare}`, nameOnly: { maxNameShare, nameShareMinMentions: 0 } });

beforeAll(async () => {
  const inbox = tempDir();
  const rows = records.map(([name, idNo, father, fatherId, mother, motherId]) => [name, idNo, '在读', father, fatherId, '父亲', mother, motherId, '母亲']);
  writeFile(inbox, 'enrollment/xueji.csv', csvOf('姓名,身份证号,学籍状态,监护人一姓名,监护人一身份证号,监护人一关系,监护人二姓名,监护人二身份证号,监护人二关系', rows));
  writeFile(inbox, 'death/gongan.csv', csvOf('姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号', death));
  writeFile(inbox, 'incarceration/jianyu.csv', csvOf('姓名,身份证号,性别,措施类型,起始日期,预计结束日期,记录编号', prison));
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, loadConfig(undefined, { database: ':memory:', inbox }));
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded', 'loaded']);
}, 60_000);

describe('a common name links by name alone beside a rare-named partner who links', () => {
  beforeAll(() => linkWithShare(0.2), 60_000);

  it('the name is common in this store', async () => {
    const [r] = await queryRows<{ common: boolean }>(db, `SELECT count(*) FILTER (WHERE name_nodots = '张伟') > 0.2 * count(*) AS common FROM mentions WHERE name_nodots <> ''`);
    expect(r!.common).toBe(true);
  });

  it('links the rare-named mother on her own and the common-named father beside her, both name-only', async () => {
    expect(await pid('enrollment', 1, 'guardian2')).toBe(await pid('incarceration', 1, 'subject'));
    expect(await pid('enrollment', 1, 'guardian1')).toBe(await pid('death', 1, 'subject'));
    const bases = await queryRows<{ basis: string }>(
      db,
      `SELECT DISTINCT l.basis FROM person_links l JOIN persons p ON p.uid = l.uid_l WHERE p.feed = 'enrollment' AND p.src_row = 1`,
    );
    expect(bases.map((b) => b.basis)).toEqual(['name_only']);
  });

  it('does not link the common name beside a mother listed with her ID, nor beside a rare-named mother who links to nobody', async () => {
    expect(await pid('enrollment', 2, 'guardian1')).not.toBe(await pid('death', 2, 'subject'));
    expect(await pid('enrollment', 3, 'guardian1')).not.toBe(await pid('death', 3, 'subject'));
  });

  it('does not link the common name to a record subject born an implausible couple gap from the partner (28 years)', async () => {
    expect(await pid('enrollment', 4, 'guardian2')).toBe(await pid('incarceration', 2, 'subject'));
    expect(await pid('enrollment', 4, 'guardian1')).not.toBe(await pid('death', 4, 'subject'));
  });
});

describe('the same store where the name counts as rare', () => {
  beforeAll(() => linkWithShare(0.5), 60_000);

  it('links every father named 张伟 on his own', async () => {
    for (const row of [1, 2, 3, 4]) expect(await pid('enrollment', row, 'guardian1')).toBe(await pid('death', row, 'subject'));
  });
});
