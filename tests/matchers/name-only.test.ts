// Name-only guardian links (issue 14, class 1; matchers/name-only.ts) through the real ingest: a school record
// lists the parents by name alone; the parent's death record links when the evidence makes it safe, and the
// child's flag shows the lower probability and the name-only marker. Two same-name candidates, the wrong sex
// for the relation, or an implausible parent age: no link; of two candidates, the flags that hold for either.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { linkPersons } from '../../matchers/index.js';
import { RuleContext, evaluateChild, explainFlagLines, gatherFacts, gatherFactsInBatches, parseEvidence } from '../../rules/index.js';
import { exportEvaluateInputs, evaluateInput } from '../../jobs/steps.js';
import { stepFiles } from '../../jobs/index.js';
import { raiseFlags, type FlagRow } from '../../flags/index.js';
import { csvOf, makeId, personIdOf, tempDir, writeFile } from '../helpers.js';

const AS_OF = '2026-09-30';
const NANSHAN = '440305';
const FUTIAN = '440304';
const BAOAN = '440306';
const LONGGANG = '440307';
const LUOHU = '440303';
const YANTIAN = '440308';
const LONGHUA = '440309';
const PINGSHAN = '440310';
const GUANGMING = '440311';
const LIWAN = '440103';

// Students (one per case, each in its own county): [name, ID, father, mother]
const students = {
  linked: ['张小雨', makeId(NANSHAN, '20120315', '121'), '张建军', '李秀英'],
  homonyms: ['陈小涵', makeId(FUTIAN, '20110520', '122'), '陈志强', '周丽'],
  sex: ['刘小伟', makeId(BAOAN, '20130704', '131'), '刘洋', '孙燕'],
  age: ['黄小明', makeId(LONGGANG, '20120901', '141'), '黄德胜', '吴桂芳'],
  // the father's given name written with a homophone (君 for 军)
  homophone: ['周小安', makeId(YANTIAN, '20120202', '151'), '周建君', '钱慧'],
  // a namesake of the father is another household's father, listed there with his ID
  claimed: ['吴小东', makeId(LONGHUA, '20130303', '161'), '吴志刚', '郑丽华'],
  // the only woman named 何静 of the county died before the student was born: not the mother
  diedBefore: ['孙小月', makeId(PINGSHAN, '20120606', '182'), '孙伟东', '何静'],
} as const;
// Two men named 马文斌 in the student's county: one died, the other is under community correction (not a qualifying
// restriction). The last school record (row 10).
const disagree = ['马小可', makeId(LIWAN, '20120808', '192'), '马文斌', '谢芳'] as const;
// Another household of 龙华 whose father, also 吴志刚, is listed with his ID (alive, no record of his own).
const otherWu = ['吴小北', makeId(LONGHUA, '20140404', '171'), '吴志刚', makeId(LONGHUA, '19840105', '013'), '冯燕', ''] as const;
// A school record of 光明 listing both parents with their IDs; the father's prison record has neither ID nor birth date
// nor county, the mother's death record neither ID nor birth date, but the county.
const linWithIds = ['林小华', makeId(GUANGMING, '20130909', '191'), '林国栋', makeId(GUANGMING, '19840404', '019'), '黄燕', makeId(GUANGMING, '19860606', '026')] as const;
// incarceration: 姓名,身份证号,性别,措施类型,起始日期,预计结束日期,记录编号
const prison = [
  ['林国栋', '', '男', '服刑在押', '2026-08-01', '2030-08-01', 'J1'],
  // 吴志刚: one listed father of that name with an ID (龙华), but a namesake died there too: no link
  ['吴志刚', '', '男', '服刑在押', '2026-08-02', '2030-08-02', 'J2'],
  ['马文斌', makeId(LIWAN, '19810909', '211'), '男', '社区矫正', '2025-01-01', '2027-01-01', 'J3'],
];
// A registry row (a left-behind child of 罗湖) whose father is written by name only; his death record has his ID.
const registryRow = ['R1', '王小乐', makeId(LUOHU, '20140505', '181'), '留守儿童', '在保', '王建国', '', '正常', '赵敏', makeId(LUOHU, '19880808', '024'), '正常'];

// death: 姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号 (IDs: odd sequence = male)
const death = [
  ['张建军', makeId(NANSHAN, '19820310', '011'), '', '', '2025-03-01', NANSHAN, 'D1'],
  ['李秀英', makeId(NANSHAN, '19850612', '022'), '', '', '2025-04-01', NANSHAN, 'D2'],
  // two men named 陈志强 in the student's county, both of a plausible age
  ['陈志强', makeId(FUTIAN, '19800101', '031'), '', '', '2025-03-01', FUTIAN, 'D3'],
  ['陈志强', makeId(FUTIAN, '19830202', '033'), '', '', '2025-05-01', FUTIAN, 'D4'],
  ['周丽', makeId(FUTIAN, '19860303', '042'), '', '', '2025-03-02', FUTIAN, 'D5'],
  // 刘洋 is a woman: not the student's father
  ['刘洋', makeId(BAOAN, '19840404', '052'), '', '', '2025-03-03', BAOAN, 'D6'],
  ['孙燕', makeId(BAOAN, '19870505', '062'), '', '', '2025-03-04', BAOAN, 'D7'],
  // 黄德胜 was 72 at the student's birth
  ['黄德胜', makeId(LONGGANG, '19400606', '071'), '', '', '2025-03-05', LONGGANG, 'D8'],
  ['吴桂芳', makeId(LONGGANG, '19880707', '082'), '', '', '2025-03-06', LONGGANG, 'D9'],
  ['周建军', makeId(YANTIAN, '19830101', '091'), '', '', '2025-03-07', YANTIAN, 'D10'],
  ['吴志刚', makeId(LONGHUA, '19820202', '111'), '', '', '2025-03-08', LONGHUA, 'D11'],
  ['王建国', makeId(LUOHU, '19850303', '131'), '', '', '2025-03-09', LUOHU, 'D12'],
  ['何静', makeId(PINGSHAN, '19860707', '142'), '', '', '2011-05-01', PINGSHAN, 'D13'],
  ['黄燕', '', '', '', '2026-08-03', GUANGMING, 'D14'],
  ['马文斌', makeId(LIWAN, '19820101', '231'), '', '', '2025-02-01', LIWAN, 'D15'],
  ['谢芳', makeId(LIWAN, '19850505', '242'), '', '', '2025-02-02', LIWAN, 'D16'],
];

const csv = csvOf;

let db: Db;
let flags: FlagRow[];
let cfg: ReturnType<typeof loadConfig>;

const pid = (feed: string, row: number, role: string) => personIdOf(db, feed, row, role);
const flagsOf = (idNumber: string) => flags.filter((f) => f.child_id_number === idNumber);

beforeAll(async () => {
  const inbox = tempDir();
  const rows = [
    ...Object.values(students).map(([name, id, father, mother]) => [name, id, '在读', father, '', '父亲', mother, '', '母亲']),
    [otherWu[0], otherWu[1], '在读', otherWu[2], otherWu[3], '父亲', otherWu[4], otherWu[5], '母亲'],
    [linWithIds[0], linWithIds[1], '在读', linWithIds[2], linWithIds[3], '父亲', linWithIds[4], linWithIds[5], '母亲'],
    [disagree[0], disagree[1], '在读', disagree[2], '', '父亲', disagree[3], '', '母亲'],
  ];
  writeFile(inbox, 'incarceration/jianyu.csv', csv('姓名,身份证号,性别,措施类型,起始日期,预计结束日期,记录编号', prison));
  writeFile(inbox, 'registry/mingce.csv', csv('儿童编号,儿童姓名,身份证号,保障类别,保障状态,父亲姓名,父亲身份证号,父亲情况,母亲姓名,母亲身份证号,母亲情况', [registryRow]));
  writeFile(inbox, 'enrollment/xueji.csv', csv('姓名,身份证号,学籍状态,监护人一姓名,监护人一身份证号,监护人一关系,监护人二姓名,监护人二身份证号,监护人二关系', rows));
  writeFile(inbox, 'death/gongan.csv', csv('姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号', death));
  cfg = loadConfig(undefined, { database: ':memory:', inbox });
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, cfg);
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded', 'loaded', 'loaded']);
  await linkPersons(db, { runId: 'name-only' });
  flags = raiseFlags(cfg, AS_OF, await gatherFacts(db, AS_OF, 18));
}, 60_000);

describe('name-only guardian links', () => {
  it('links a father and a mother listed by name only to their death records, with the lower probability', async () => {
    expect(await pid('enrollment', 1, 'guardian1')).toBe(await pid('death', 1, 'subject'));
    expect(await pid('enrollment', 1, 'guardian2')).toBe(await pid('death', 2, 'subject'));
    const links = await queryRows<{ p: number; basis: string; kept: boolean; text: string }>(
      db,
      `SELECT match_probability AS p, basis, kept, explanation_text AS text FROM person_links WHERE mention_key_l LIKE 'enrollment:%:1:guardian%' ORDER BY mention_key_l`,
    );
    expect(links).toHaveLength(2);
    for (const l of links) expect(l).toMatchObject({ p: 0.8, basis: 'name_only', kept: true });
    expect(links[0]!.text).toMatch(/^name_only: same name/);
  });

  it("raises the child's flag with the name-only probability as its score and the marker on its evidence", () => {
    const [add, ...others] = flagsOf(students.linked[1]);
    expect(others).toEqual([]);
    expect(add).toMatchObject({ flag: 'ADD', reason: 'BOTH_PARENTS_GONE', category: 'ORPHAN', score: 0.8 });
    const evidence = parseEvidence(add!.evidence);
    expect(evidence.map((e) => [e.feed, e.record_id, e.role, e.score, e.basis])).toEqual([
      ['death', 'D1', 'father', 0.8, 'name_only'],
      ['death', 'D2', 'mother', 0.8, 'name_only'],
    ]);
  });

  it('does not link a guardian with two same-name candidates in the county (one-to-one)', async () => {
    const father = await pid('enrollment', 2, 'guardian1');
    expect(father).not.toBe(await pid('death', 3, 'subject'));
    expect(father).not.toBe(await pid('death', 4, 'subject'));
    expect(await pid('enrollment', 2, 'guardian2')).toBe(await pid('death', 5, 'subject'));
    const alternatives = await queryRows<{ relation: string; person_id: string }>(db, `SELECT relation, person_id FROM name_only_alternatives ORDER BY relation, person_id`);
    expect(alternatives.filter((a) => [father].includes(a.person_id))).toEqual([]);
    expect(alternatives.map((a) => a.person_id)).toEqual(expect.arrayContaining([await pid('death', 3, 'subject'), await pid('death', 4, 'subject')]));
  });

  it('raises what holds whichever of two same-name candidates the father is, citing both', () => {
    // Both 陈志强 died, and the mother too: the student has lost both parents either way.
    const [add, ...others] = flagsOf(students.homonyms[1]);
    expect(others).toEqual([]);
    expect(add).toMatchObject({ flag: 'ADD', reason: 'BOTH_PARENTS_GONE', category: 'ORPHAN', score: 0.8 });
    const evidence = parseEvidence(add!.evidence);
    expect(evidence.map((e) => [e.feed, e.record_id, e.role, e.score, e.basis])).toEqual(
      expect.arrayContaining([
        ['death', 'D3', 'father', 0.8, 'name_only_alternatives'],
        ['death', 'D4', 'father', 0.8, 'name_only_alternatives'],
        ['death', 'D5', 'mother', 0.8, 'name_only'],
      ]),
    );
    expect(evidence).toHaveLength(3);
  });

  it('the trace and the flag text say the father is one of two namesakes, each evaluated', async () => {
    const facts = await gatherFacts(db, AS_OF, 18);
    const child = facts.children.find((c) => c.idNumber === students.homonyms[1])!;
    expect(child.fatherAlternatives?.personIds.sort()).toEqual([await pid('death', 3, 'subject'), await pid('death', 4, 'subject')].sort());
    const { flags: raised, trace } = evaluateChild(new RuleContext(AS_OF, cfg.profile), child, facts.people);
    expect(trace[0]).toBe('学籍中仅凭姓名列出的父亲（同名候选 2 人）无法确定是哪一位：按每种可能分别评估，只保留每种情况下都成立的结论。');
    expect(trace.filter((l) => l.startsWith('【按父亲为候选'))).toHaveLength(2);
    expect(trace.at(-1)).toMatch(/^结论：.+（.+）（各候选一致的采用各候选的结论，其余按不按候选的结论）$/);
    expect(explainFlagLines(raised[0]!)[0]).toContain('（匹配概率 80.0%，仅凭姓名匹配（同名候选多人））');
  });

  it("the quarter's evaluate step, reading each child's facts from its input file, raises the same flags", async () => {
    // The file holds with each child the people its rules read: the candidates of a name-only parent too.
    const root = tempDir();
    const [key] = await exportEvaluateInputs(db, root, 'Q1/x', gatherFactsInBatches(db, AS_OF, 18), null);
    const evaluated = await evaluateInput(db, stepFiles(root, { rel: 'Q1/x', step: 'evaluate', key: key! }).input, cfg, AS_OF, []);
    expect(evaluated.flags).toEqual(flags);
    expect(evaluated.flags.some((f) => f.child_id_number === students.homonyms[1])).toBe(true);
  });

  it('raises nothing when the candidates lead to different conclusions', async () => {
    const father = await pid('enrollment', 10, 'guardian1');
    expect([await pid('death', 15, 'subject'), await pid('incarceration', 3, 'subject')]).not.toContain(father);
    const alternatives = await queryRows<{ person_id: string }>(db, `SELECT person_id FROM name_only_alternatives`);
    expect(alternatives.map((a) => a.person_id)).toEqual(expect.arrayContaining([await pid('death', 15, 'subject'), await pid('incarceration', 3, 'subject')]));
    // one 马文斌 died (both parents gone), the other is under community correction (the father is present)
    expect(flagsOf(disagree[1])).toEqual([]);
  });

  it('does not link a father to a woman of the same name', async () => {
    expect(await pid('enrollment', 3, 'guardian1')).not.toBe(await pid('death', 6, 'subject'));
    expect(await pid('enrollment', 3, 'guardian2')).toBe(await pid('death', 7, 'subject'));
    expect(flagsOf(students.sex[1])).toEqual([]);
  });

  it('does not link a parent of an implausible age at the birth of the student', async () => {
    expect(await pid('enrollment', 4, 'guardian1')).not.toBe(await pid('death', 8, 'subject'));
    expect(await pid('enrollment', 4, 'guardian2')).toBe(await pid('death', 9, 'subject'));
    expect(flagsOf(students.age[1])).toEqual([]);
  });

  it('links a guardian whose name is written with a homophone of the record subject\'s', async () => {
    expect(await pid('enrollment', 5, 'guardian1')).toBe(await pid('death', 10, 'subject'));
  });

  it("links a guardian whose namesake is another household's father, listed there with his ID", async () => {
    expect(await pid('enrollment', 6, 'guardian1')).toBe(await pid('death', 11, 'subject'));
    // that other father stays himself
    expect(await pid('enrollment', 8, 'guardian1')).not.toBe(await pid('death', 11, 'subject'));
  });

  it('does not link a mother to a namesake who died before the child was born', async () => {
    expect(await pid('enrollment', 7, 'guardian2')).not.toBe(await pid('death', 13, 'subject'));
  });

  it('links a registry parent written by name only (issue 14, X_REG_PARENT_NO_ID) the same way', async () => {
    expect(await pid('registry', 1, 'father')).toBe(await pid('death', 12, 'subject'));
    const [link] = await queryRows<{ feed_l: string; basis: string; p: number }>(
      db,
      `SELECT feed_l, basis, match_probability AS p FROM person_links WHERE mention_key_l LIKE 'registry:%:1:father'`,
    );
    expect(link).toMatchObject({ feed_l: 'registry', basis: 'name_only', p: 0.8 });
  });

  it('links a death record with neither ID nor birth date, in the county, to the one mother of that name listed with an ID', async () => {
    // (in a store this small the engine itself links name + county; the name-only stage covers what a trained one leaves)
    expect(await pid('death', 14, 'subject')).toBe(await pid('enrollment', 9, 'guardian2'));
  });

  it('does not link a prison record that says no county by its name alone (a homonym elsewhere could be its subject)', async () => {
    expect(await pid('incarceration', 1, 'subject')).not.toBe(await pid('enrollment', 9, 'guardian1'));
    expect(await pid('incarceration', 2, 'subject')).not.toBe(await pid('enrollment', 8, 'guardian1'));
  });

  it('is a stage of its own: without it, no guardian links by name', async () => {
    await linkPersons(db, { runId: 'no-name-only', nameOnly: false });
    expect(await pid('enrollment', 1, 'guardian1')).not.toBe(await pid('death', 1, 'subject'));
    const [n] = await queryRows<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM person_links WHERE basis = 'name_only'`);
    expect(n!.n).toBe(0);
    const none = raiseFlags(loadConfig(undefined, { database: ':memory:' }), AS_OF, await gatherFacts(db, AS_OF, 18));
    expect(none.filter((f) => f.child_id_number === students.linked[1])).toEqual([]);
  });
});
