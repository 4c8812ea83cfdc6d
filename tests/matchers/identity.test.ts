// Person linkage through the real ingest: each noise type damages one pair of mentions of the same person,
// and the pair must still end in one person; homophone namesakes with different IDs and birth dates must not.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { checkDigit } from '../../pipeline/identity/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { identitySettings, linkPersons, type LinkPersonsResult } from '../../matchers/index.js';
import { mentionsStages } from '../../matchers/mentions.js';
import { FEED_SPECS } from '../../pipeline/feeds.js';
import { makeId, tempDir, writeFile } from '../helpers.js';

const NANSHAN = '440305';
const FUTIAN = '440304';
const BAOAN = '440306';

/** A valid ID ending in X (sequence searched from `from`). */
function idEndingInX(region: string, birth: string, from = 100): string {
  for (let s = from; s < 999; s++) {
    const first17 = region + birth + String(s).padStart(3, '0');
    if (checkDigit(first17) === 'X') return first17 + 'X';
  }
  throw new Error('no X');
}

const FW = '０１２３４５６７８９';
const fullWidth = (id: string) => [...id].map((c) => (c === 'X' ? 'Ｘ' : FW[+c])).join('');
const substitute = (id: string, i: number) => id.slice(0, i) + ((+id[i]! + 3) % 10) + id.slice(i + 1);
const transpose = (id: string, i: number) => id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2);
const to15 = (id: string) => id.slice(0, 6) + id.slice(8, 17);

const ID = {
  sub: makeId(NANSHAN, '20120315', '131'),
  tr: makeId(FUTIAN, '20100722', '245'),
  old: makeId(BAOAN, '19750416', '317'),
  x: idEndingInX(NANSHAN, '20090811'),
  fw: makeId(FUTIAN, '20131103', '402'),
  homo: makeId(BAOAN, '20110205', '513'),
  trad: makeId(NANSHAN, '20140919', '624'),
  dot: makeId(FUTIAN, '20080117', '735'),
  swap: makeId(BAOAN, '20120507', '846'),
  miss: makeId(NANSHAN, '20151023', '957'),
  dmg: makeId(FUTIAN, '20160628', '161'),
  mother: makeId(NANSHAN, '19860309', '272'),
  a: makeId(BAOAN, '20100101', '383'),
  b: makeId(BAOAN, '20110630', '494'),
  twin1: makeId(FUTIAN, '20120909', '101'),
  twin2: makeId(FUTIAN, '20120909', '103'),
  na1: makeId(NANSHAN, '20100404', '202'),
  na2: makeId(BAOAN, '20100404', '204'),
};

// registry: 姓名,身份证号,性别,出生日期,户籍地区划代码,保障类别,保障状态,父亲姓名,父亲身份证号,母亲姓名,母亲身份证号
const registry = [
  ['张晓明', ID.sub, '男', '', NANSHAN, '孤儿', '在保', '', '', '', ''],
  ['李静怡', ID.tr, '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
  ['陈子涵', makeId(BAOAN, '20050301', '111'), '', '', BAOAN, '事实无人抚养儿童', '在保', '陈建国', to15(ID.old), '', ''],
  ['刘诗雨', ID.x.slice(0, 17) + 'x', '', '', NANSHAN, '孤儿', '在保', '', '', '', ''],
  ['赵嘉欣', fullWidth(ID.fw), '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
  ['王伟', ID.homo, '', '', BAOAN, '孤儿', '在保', '', '', '', ''],
  ['黄静', ID.trad, '', '', NANSHAN, '孤儿', '在保', '', '', '', ''],
  ['阿依古丽·艾力', ID.dot, '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
  ['周梦琪', ID.swap, '', '', BAOAN, '孤儿', '在保', '', '', '', ''],
  ['吴浩然', ID.miss, '', '', NANSHAN, '孤儿', '在保', '', '', '', ''],
  ['郑雅琳', ID.dmg, '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
  // siblings share a mother: two mentions of one mother in one feed
  ['孙一鸣', makeId(NANSHAN, '20110101', '211'), '', '', NANSHAN, '孤儿', '在保', '', '', '林秀兰', ID.mother],
  ['孙一帆', makeId(NANSHAN, '20130202', '311'), '', '', NANSHAN, '孤儿', '在保', '', '', '林秀兰', ID.mother],
  // a different person with a homophone name (see the death row for 王玮)
  ['王伟', ID.a, '', '', BAOAN, '孤儿', '在保', '', '', '', ''],
  // twins: same birth date and county, names one character apart, both IDs valid
  ['王一鸣', ID.twin1, '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
  ['王一鸿', ID.twin2, '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
  // two different children with one name and birth date (rows 17, 18); one death record without ID fits both
  ['李娜', ID.na1, '', '', NANSHAN, '孤儿', '在保', '', '', '', ''],
  ['李娜', ID.na2, '', '', BAOAN, '孤儿', '在保', '', '', '', ''],
];

// death: 姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号
const death = [
  ['张晓明', substitute(ID.sub, 15), '', '', '2024-03-01', NANSHAN, 'D1'], // one substituted digit
  ['李静怡', transpose(ID.tr, 3), '', '', '2024-03-02', FUTIAN, 'D2'], // adjacent transposition
  ['刘诗雨', ID.x, '', '', '2024-03-04', NANSHAN, 'D4'], // lower-case x on the registry side
  ['赵嘉欣', ID.fw, '', '', '2024-03-05', FUTIAN, 'D5'], // full-width on the registry side
  ['王玮', ID.homo, '', '', '2024-03-06', BAOAN, 'D6'], // homophone given name
  ['黃靜', ID.trad, '', '', '2024-03-07', NANSHAN, 'D7'], // traditional forms
  ['阿依古丽•艾力', ID.dot, '', '', '2024-03-08', FUTIAN, 'D8'], // other separator
  ['阿依古丽 艾力', '', '', '2008-01-17', '2024-03-08', FUTIAN, 'D8b'], // space as separator, no ID
  ['周梦琪', '', '女', '2012-07-05', '2024-03-09', BAOAN, 'D9'], // day and month swapped, ID missing
  ['吴浩然', '', '男', '2015-10-23', '2024-03-10', NANSHAN, 'D10'], // ID missing
  ['郑雅琳', ID.dmg.slice(0, 15) + '000', '女', '2016-06-28', '2024-03-11', FUTIAN, 'D11'], // spreadsheet zero tail
  ['王玮', ID.b, '', '', '2024-03-12', BAOAN, 'D12'], // another person: homophone of 王伟, other ID and birth date
  ['李娜', '', '女', '2010-04-04', '2024-03-13', '', 'D13'], // fits registry rows 17 and 18 equally: one-to-one
];

// enrollment: 姓名,身份证号,学籍状态,监护人一姓名,监护人一身份证号
const enrollment = [['陈子涵', '', '在读', '陈建国', ID.old]]; // the father's 18-digit ID vs the registry's 15-digit one

const csv = (header: string, rows: string[][]) => header + '\n' + rows.map((r) => r.join(',')).join('\n') + '\n';

let db: Db;
let result: LinkPersonsResult;
let person: Map<string, string>;

/** person_id of the mention of `feed` whose row has the given name (first such row) and role. */
function pid(feed: string, row: number, role = feed === 'registry' ? 'child' : 'subject'): string {
  const key = [...person.keys()].find((k) => k.startsWith(feed + ':') && k.endsWith(`:${row}:${role}`));
  if (!key) throw new Error(`no mention ${feed} row ${row} ${role}`);
  return person.get(key)!;
}

beforeAll(async () => {
  const inbox = tempDir();
  writeFile(
    inbox,
    'registry/roster.csv',
    csv('姓名,身份证号,性别,出生日期,户籍地区划代码,保障类别,保障状态,父亲姓名,父亲身份证号,母亲姓名,母亲身份证号', registry),
  );
  writeFile(inbox, 'death/gongan.csv', csv('姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号', death));
  writeFile(inbox, 'enrollment/xueji.csv', csv('姓名,身份证号,学籍状态,监护人一姓名,监护人一身份证号', enrollment));
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, loadConfig(undefined, { database: ':memory:', inbox }));
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded', 'loaded']);
  result = await linkPersons(db, { runId: 'test-1' });
  const rows = await queryRows<{ mention_key: string; person_id: string }>(db, 'SELECT mention_key, person_id FROM persons');
  person = new Map(rows.map((r) => [r.mention_key, r.person_id]));
}, 60_000);

describe('linkPersons: each noise type still links the pair it damages', () => {
  it('ID with one substituted digit', () => expect(pid('death', 1)).toBe(pid('registry', 1)));
  it('ID with an adjacent transposition', () => expect(pid('death', 2)).toBe(pid('registry', 2)));
  it('old 15-digit ID against the 18-digit one', () => expect(pid('enrollment', 1, 'guardian1')).toBe(pid('registry', 3, 'father')));
  it('lower-case x', () => expect(pid('death', 3)).toBe(pid('registry', 4)));
  it('full-width digits', () => expect(pid('death', 4)).toBe(pid('registry', 5)));
  it('homophone given name', () => expect(pid('death', 5)).toBe(pid('registry', 6)));
  it('traditional forms of the name', () => expect(pid('death', 6)).toBe(pid('registry', 7)));
  it('dotted name with another separator, and with a space and no ID', () => {
    expect(pid('death', 7)).toBe(pid('registry', 8));
    expect(pid('death', 8)).toBe(pid('registry', 8));
  });
  it('day and month swapped (with the ID missing)', () => expect(pid('death', 9)).toBe(pid('registry', 9)));
  it('missing ID', () => expect(pid('death', 10)).toBe(pid('registry', 10)));
  it('spreadsheet-damaged ID (zero tail)', () => expect(pid('death', 11)).toBe(pid('registry', 11)));
  it('one mother mentioned in two registry rows is one person', () =>
    expect(pid('registry', 12, 'mother')).toBe(pid('registry', 13, 'mother')));
});

describe('linkPersons: what must not link', () => {
  it('homophone names with different IDs and different birth dates', async () => {
    expect(pid('death', 12)).not.toBe(pid('registry', 14));
    expect(pid('death', 12)).not.toBe(pid('registry', 6));
    expect(pid('registry', 14)).not.toBe(pid('registry', 6));
    const [pair] = await queryRows<{ c: string }>(
      db,
      `SELECT match_class AS c FROM match_pairs p JOIN mentions a ON a.uid = p.uid_l JOIN mentions b ON b.uid = p.uid_r
       WHERE a.id = '${ID.a}' AND b.id = '${ID.b}' OR a.id = '${ID.b}' AND b.id = '${ID.a}'`,
    );
    if (pair) expect(pair.c).toBe('not_linked');
  });

  it('siblings are different persons', () => expect(pid('registry', 12)).not.toBe(pid('registry', 13)));

  it('twins with similar names (both IDs valid, same birth date and county) are different persons', () =>
    expect(pid('registry', 15)).not.toBe(pid('registry', 16)));

  it('a death record belongs to one person only (one-to-one), so it does not join two namesakes', async () => {
    expect(pid('registry', 17)).not.toBe(pid('registry', 18));
    expect([pid('registry', 17), pid('registry', 18)]).toContain(pid('death', 13));
    // Without the constraint the death record makes the two children one cluster of the engine; the split
    // (matchers/split.ts: two valid IDs are two people) still keeps them two persons.
    await linkPersons(db, { settings: { ...identitySettings(), oneToOne: [] }, runId: 'no-one-to-one' });
    const keys = [17, 18].map((r) => `'registry:1:${r}:child'`).join(', ');
    const clusters = await queryRows<{ n: number }>(
      db,
      `SELECT count(DISTINCT c.cluster_id)::INTEGER AS n FROM match_clusters c JOIN mentions m ON m.uid = c.uid AND m.feed = c.source WHERE m.mention_key IN (${keys})`,
    );
    expect(clusters[0]!.n).toBe(1);
    const persons = await queryRows<{ n: number }>(db, `SELECT count(DISTINCT person_id)::INTEGER AS n FROM persons WHERE mention_key IN (${keys})`);
    expect(persons[0]!.n).toBe(2);
    await linkPersons(db, { runId: 'test-1b' });
  });
});

describe('linkPersons: outputs', () => {
  it('explains every linked pair with each comparison level and weight', async () => {
    const links = await queryRows<{ explanation: { comparison: string; level: string; weight: number }[]; explanation_text: string; match_class: string }>(
      db,
      `SELECT explanation, explanation_text, match_class FROM person_links WHERE mention_key_l LIKE 'death:%' OR mention_key_r LIKE 'death:%'`,
    );
    expect(links.length).toBeGreaterThan(5);
    for (const l of links) {
      expect(l.explanation.map((e) => e.comparison)).toEqual(['id', 'name', 'birth_date', 'gender', 'region', 'parents']);
      expect(l.explanation_text).toMatch(/^id: .*; name: .*; birth_date: .*/);
    }
    const sub = await queryRows<{ t: string }>(
      db,
      `SELECT explanation_text AS t FROM person_links l JOIN mentions m ON m.mention_key IN (l.mention_key_l, l.mention_key_r) WHERE m.id = '${substitute(ID.sub, 15)}'`,
    );
    expect(sub[0]!.t).toContain('id: one substituted digit (+');
  });

  it('stores the run with its settings and keeps person ids when the members are the same', async () => {
    const [run] = await queryRows<{ settings: string; trained: boolean }>(db, `SELECT settings, trained FROM match_runs WHERE run_id = 'test-1'`);
    expect(run!.trained).toBe(false);
    expect(JSON.parse(run!.settings).comparisons).toHaveLength(6);
    const before = new Map(person);
    await linkPersons(db, { runId: 'test-2' });
    const rows = await queryRows<{ mention_key: string; person_id: string }>(db, 'SELECT mention_key, person_id FROM persons');
    expect(new Map(rows.map((r) => [r.mention_key, r.person_id]))).toEqual(before);
    expect(result.counts.mentions).toBe(rows.length);
  });

  it('builds one mention per named or identified person, skipping empty roles', async () => {
    const [c] = await queryRows<{ n: number }>(db, `SELECT count(*)::INTEGER AS n FROM mentions WHERE feed = 'registry'`);
    // 18 children + 1 father + 2 mothers
    expect(c!.n).toBe(21);
    // One statement per feed role, each with a single join to the name forms (a union of them failed under a tight memory limit).
    const roles = Object.values(FEED_SPECS).reduce((n, spec) => n + spec.people.length, 0);
    const built = mentionsStages().filter((s) => s.name === 'mentions');
    expect(built).toHaveLength(roles);
    for (const s of built) expect(s.sql.match(/JOIN name_forms/g)).toHaveLength(1);
  });
});
