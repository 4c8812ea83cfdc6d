// What rules/gather.ts reads from a linked store, end to end (ingest, linkPersons, gatherFacts, raiseFlags):
// - a record reached through a name-only link (matchers/name-only.ts) carries the 仅凭姓名匹配 marker (basis
//   'name_only') wherever a flag cites it: a registry parent written without ID, a record subject without ID
//   and birth date;
// - a child known only through a row whose ID has a wrong check digit gets the birth date of the ID's digits
//   (RULES.md §2: from the ID number when the birth-date column is missing), and its flags say so.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, type Config } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { linkPersons } from '../../matchers/index.js';
import { openStore, type Db } from '../../pipeline/store/index.js';
import { RuleContext, evaluateChild, explainFlagLines, gatherFacts, gatherFactsInBatches, parseEvidence, type GatheredFacts } from '../../rules/index.js';
import { raiseFlags, type FlagRow } from '../../flags/index.js';
import { exportEvaluateInputs, evaluateInput } from '../../jobs/steps.js';
import { stepFiles } from '../../jobs/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';

const AS_OF = '2026-09-30';
const LUOHU = '440303';
const GUANGMING = '440311';
const NANSHAN = '440305';

/** An ID whose check digit is wrong (its other digits, the birth date among them, as given). */
const wrongCheckDigit = (region: string, birth: string, seq: string) => {
  const id = makeId(region, birth, seq);
  return id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
};

// Left-behind children whose father's death or imprisonment only a name-only link reaches; the mother is recorded
// as imprisoned (no record of her own) or dead, so the child qualifies DE_FACTO and the father's event is URGENT.
const wang = { ref: 'R1', name: '王小乐', id: makeId(LUOHU, '20140505', '181'), father: '王建国', mother: '赵敏', motherId: makeId(LUOHU, '19880808', '024') };
const lin = { ref: 'R2', name: '林小华', id: makeId(GUANGMING, '20130909', '191'), father: '林国栋', fatherId: makeId(GUANGMING, '19840404', '019'), mother: '黄燕', motherId: makeId(GUANGMING, '19860606', '026') };
// Lin's brother: the same parents (gathered in batches, each brother's batch reads the father's record).
const linBrother = { ...lin, ref: 'R3', name: '林小明', id: makeId(GUANGMING, '20150303', '211') };
// 低保 members: a child and an adult whose IDs carry a wrong check digit, a child with a valid ID.
const poorChild = wrongCheckDigit(NANSHAN, '20180707', '111');
const poorAdult = wrongCheckDigit(NANSHAN, '19900101', '113');
const poorChildValid = makeId(NANSHAN, '20190808', '121');

const csv = (rows: readonly (readonly string[])[]) => rows.map((r) => r.join(',')).join('\n') + '\n';

let db: Db;
let facts: GatheredFacts;
let flags: FlagRow[];
let cfg: Config;
const flagsOf = (idNumber: string) => flags.filter((f) => f.child_id_number === idNumber && f.flag !== 'EDUCATION');

beforeAll(async () => {
  const inbox = tempDir();
  writeFile(inbox, 'registry/mingce.csv', csv([
    ['儿童编号', '儿童姓名', '身份证号', '保障类别', '保障状态', '纳入保障日期', '父亲姓名', '父亲身份证号', '父亲情况', '父亲情况起始日期', '母亲姓名', '母亲身份证号', '母亲情况', '母亲情况起始日期'],
    [wang.ref, wang.name, wang.id, '留守儿童', '在保', '2024-01-01', wang.father, '', '正常', '', wang.mother, wang.motherId, '服刑在押', '2025-01-01'],
    ...[lin, linBrother].map((c) => [c.ref, c.name, c.id, '留守儿童', '在保', '2024-01-01', c.father, c.fatherId, '服刑在押', '2026-08-01', c.mother, c.motherId, '死亡', '2020-01-01']),
  ]));
  writeFile(inbox, 'death/gongan.csv', csv([
    ['姓名', '身份证号', '性别', '出生日期', '死亡日期', '户籍地区划代码', '记录编号'],
    [wang.father, makeId(LUOHU, '19850303', '131'), '', '', '2026-08-10', LUOHU, 'D1'],
  ]));
  // The prison record has neither ID nor birth date.
  writeFile(inbox, 'incarceration/jianyu.csv', csv([
    ['姓名', '身份证号', '性别', '措施类型', '起始日期', '预计结束日期', '记录编号'],
    [lin.father, '', '男', '服刑在押', '2026-08-01', '2030-08-01', 'J1'],
  ]));
  writeFile(inbox, 'social_assistance/dibao.csv', csv([
    ['家庭编号', '姓名', '身份证号', '与户主关系', '救助类型', '纳入日期', '退出日期', '户籍地区划代码'],
    ['H1', '郭小宝', poorChild, '子女', '低保', '2024-01-01', '', NANSHAN],
    ['H2', '郭大成', poorAdult, '户主', '低保', '2024-01-01', '', NANSHAN],
    ['H3', '邓小雪', poorChildValid, '子女', '低保', '2024-03-01', '', NANSHAN],
  ]));
  cfg = loadConfig(undefined, { database: ':memory:', inbox });
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, cfg);
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded', 'loaded', 'loaded']);
  await linkPersons(db, { runId: 'gather' });
  facts = await gatherFacts(db, AS_OF, 18);
  flags = raiseFlags(cfg, AS_OF, facts);
}, 60_000);

describe('name-only links in the evidence', () => {
  it("a registry parent written without ID: the flags cite his death record at the link's probability, marked 仅凭姓名匹配", () => {
    const raised = flagsOf(wang.id);
    expect(raised.map((f) => `${f.flag}:${f.reason}`).sort()).toEqual(['RECLASSIFY:PARENTS_QUALIFY', 'URGENT:PARENT_EVENT_NO_CARER']);
    for (const f of raised) {
      const father = parseEvidence(f.evidence).filter((e) => e.role === 'father');
      expect(father.map((e) => [e.feed, e.record_id, e.score, e.basis])).toEqual([['death', 'D1', 0.8, 'name_only']]);
      expect(f.score).toBe(0.8);
    }
  });

  it('a prison record without ID and birth date joined by name to a registry father whose row states the imprisonment (matchers/name-only.ts): marked where it is cited', () => {
    const raised = flagsOf(lin.id);
    expect(raised.map((f) => `${f.flag}:${f.reason}`).sort()).toEqual(['RECLASSIFY:PARENTS_QUALIFY', 'URGENT:PARENT_EVENT_NO_CARER']);
    for (const f of raised) {
      const father = parseEvidence(f.evidence).filter((e) => e.role === 'father');
      expect(father.map((e) => [e.feed, e.record_id, e.score, e.basis])).toEqual([['incarceration', 'J1', 0.8, 'name_only']]);
    }
  });

  it('the text of a flag (rules explain, the review queue) says 仅凭姓名匹配 beside the record', () => {
    const ctx = new RuleContext(AS_OF, parseConfig({}).profile);
    const child = facts.children.find((c) => c.idNumber === wang.id)!;
    const urgent = evaluateChild(ctx, child, facts.people).flags.find((f) => f.flag === 'URGENT')!;
    expect(explainFlagLines(urgent)[0]).toMatch(/父亲：死亡[^；]* 记录 D1，日期 2026-08-10（匹配概率 80\.0%，仅凭姓名匹配）/);
    expect(evaluateChild(ctx, child, facts.people).trace).toContain(
      `父亲：已匹配到人员（仅凭姓名匹配，匹配概率 80.0%）；死亡或失踪（自 2026-08-10）；近 92 天内发生突发事件（2026-08-10）；无法履行监护`,
    );
  });

  it("the record a name-only guardian link reached keeps its own score: only the child's view through the link is capped and marked", () => {
    const child = facts.children.find((c) => c.idNumber === wang.id)!;
    const father = child.registry[0]!.father;
    expect(father.nameOnly).toBe(0.8);
    const [death] = facts.people.get(father.personId!)!.deaths;
    expect(death).toMatchObject({ recordId: 'D1', score: 1 });
    expect(death!.basis).toBeUndefined();
  });
});

describe('birth date of an ID with a wrong check digit', () => {
  it('a 低保 child known only by such an ID is evaluated with the birth date of its digits, and the flag says so', () => {
    const [add, ...others] = flagsOf(poorChild);
    expect(others).toEqual([]);
    expect(add).toMatchObject({ flag: 'ADD', reason: 'POOR_FAMILY', category: 'DIFFICULTY_FAMILY', effective_from: '2024-02-01' });
    expect(JSON.parse(add!.params).assumed).toEqual({ birthDateFromInvalidId: '2018-07-07' });
    const child = facts.children.find((c) => c.idNumber === poorChild)!;
    expect(child).toMatchObject({ birthDate: '2018-07-07', birthFromInvalidId: true });
    const { trace } = evaluateChild(new RuleContext(AS_OF, parseConfig({}).profile), child, facts.people);
    expect(trace[0]).toContain('出生日期 2018-07-07（取自校验位不符的身份证号，请核实）');
  });

  it('an adult by those digits is no child; a valid ID needs no assumption', () => {
    expect(flagsOf(poorAdult)).toEqual([]);
    expect(facts.children.some((c) => c.idNumber === poorAdult)).toBe(false);
    const [add] = flagsOf(poorChildValid);
    expect(add).toMatchObject({ flag: 'ADD', reason: 'POOR_FAMILY' });
    expect(JSON.parse(add!.params).assumed).toBeUndefined();
  });
});

describe('gathered in batches (gatherFactsInBatches, as a quarter reads them)', () => {
  it('gives the children of gatherFacts in order; a father of two children in two batches is read in both', async () => {
    const batches: GatheredFacts[] = [];
    for await (const b of gatherFactsInBatches(db, AS_OF, 18, 1)) batches.push(b);
    expect(batches.map((b) => b.children.length)).toEqual(facts.children.map(() => 1));
    expect(batches.flatMap((b) => b.children)).toEqual(facts.children);
    const fatherId = facts.children.find((c) => c.idNumber === lin.id)!.registry[0]!.father.personId!;
    expect(facts.people.get(fatherId)!.restrictions.map((r) => r.recordId)).toEqual(['J1']);
    const holding = batches.filter((b) => b.people.has(fatherId));
    expect(holding.map((b) => b.children[0]!.idNumber).sort()).toEqual([lin.id, linBrother.id].sort());
    for (const b of holding) expect(b.people.get(fatherId)).toEqual(facts.people.get(fatherId));
    // A batch holds the people its children's rules read, no others.
    const wangBatch = batches.find((b) => b.children[0]!.idNumber === wang.id)!;
    expect(wangBatch.people.has(fatherId)).toBe(false);
  });

  it('written for the evaluate step batch by batch and evaluated one child at a time, they raise the flags of raiseFlags over every child', async () => {
    const root = tempDir();
    const [key, ...others] = await exportEvaluateInputs(db, root, 'Q1/x', gatherFactsInBatches(db, AS_OF, 18, 1), null);
    expect(others).toEqual([]);
    const chunks: number[] = [];
    const evaluated = await evaluateInput(db, stepFiles(root, { rel: 'Q1/x', step: 'evaluate', key: key! }).input, cfg, AS_OF, [], {
      chunk: 1,
      onChunk: async (n) => void chunks.push(n),
    });
    expect(chunks).toEqual(facts.children.map((_, i) => i + 1));
    expect(evaluated).toEqual({ flags, children: facts.children.length });
  });
});
