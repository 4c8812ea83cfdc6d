// ID sources beyond the ID column (issue 14, miss classes 2 and 3), through the real ingest and linkage:
// a disability record's certificate number carries the true ID when the ID column is wrong or empty;
// an ID with two wrong digits still links when the name agrees and no birth date contradicts it; twins
// and namesakes with other valid IDs stay apart.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { certificateIdSql } from '../../pipeline/identity/index.js';
import { openStore, persistWorkTable, queryRows, type Db } from '../../pipeline/store/index.js';
import { linkPersons, storedMentionText } from '../../matchers/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';

const NANSHAN = '440305';
const FUTIAN = '440304';

/** The ID with the digit at each 0-based position replaced by another digit. */
const substitute = (id: string, ...at: number[]) => [...id].map((c, i) => (at.includes(i) ? String((+c + 3) % 10) : c)).join('');

const ID = {
  child1: makeId(NANSHAN, '20120315', '131'),
  mother1: makeId(NANSHAN, '19850620', '242'),
  child2: makeId(FUTIAN, '20100722', '245'),
  child3: makeId(NANSHAN, '20110405', '356'),
  child4: makeId(FUTIAN, '20130808', '467'),
  child5: makeId(NANSHAN, '20090109', '578'),
  father5: makeId(NANSHAN, '19800101', '571'),
  twin1: makeId(FUTIAN, '20120909', '101'),
  twin2: makeId(FUTIAN, '20120909', '103'),
  other: makeId(NANSHAN, '19990101', '123'),
  // another child with child2's name, birth date and county: an ID two characters away, both valid
  namesake: makeId(FUTIAN, '20100722', '265'),
};
// twin2 with its sequence's last digit mistyped: one character from twin2, two from twin1
const twin2Typo = ID.twin2.slice(0, 16) + '5' + ID.twin2.slice(17);
// mother1 with one wrong digit in the birth date (1985 → 1988)
const mother1Typo = substitute(ID.mother1, 9);

// registry: 姓名,身份证号,性别,出生日期,户籍地区划代码,保障类别,保障状态,父亲姓名,父亲身份证号,母亲姓名,母亲身份证号
const registry = [
  ['周晓燕', ID.child1, '', '', NANSHAN, '事实无人抚养儿童', '在保', '', '', '林美华', ID.mother1],
  ['何俊杰', ID.child2, '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
  ['马文博', ID.child3, '', '', NANSHAN, '孤儿', '在保', '', '', '', ''],
  ['黄静怡', ID.child4, '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
  ['唐思远', ID.child5, '', '', NANSHAN, '事实无人抚养儿童', '在保', '唐国强', ID.father5, '', ''],
  ['王一鸣', ID.twin1, '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
  ['王一鸿', ID.twin2, '', '', FUTIAN, '孤儿', '在保', '', '', '', ''],
];

// disability: 姓名,身份证号,残疾人证号,残疾类别,残疾等级,发证日期,证件状态
const disability = [
  ['林美华', mother1Typo, ID.mother1 + '41', '4', '1', '2020-01-01', '有效'], // one wrong birth-date digit; the certificate is right
  ['何俊杰', ID.other, ID.child2 + '52', '5', '2', '2021-01-01', '有效'], // the ID column holds another valid ID
  ['马文博', '', ID.child3.slice(0, 17) + '41', '4', '1', '2022-01-01', '有效'], // empty ID, certificate without its check character
  ['周晓燕', '', ID.child1 + '53', '5', '3', '2023-01-01', '有效'], // empty ID, a well-formed certificate number
];

// death: 姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号
const death = [
  ['黃靜怡', substitute(ID.child4, 2, 15), '', '', '2024-03-01', '', 'D1'], // two wrong digits + traditional forms, no region
  ['王一鸿', twin2Typo, '', '', '2024-03-02', FUTIAN, 'D2'], // twin2, one wrong digit: two from twin1
  ['何俊杰', ID.namesake, '', '', '2024-03-03', FUTIAN, 'D3'], // another child: valid ID two characters away
];

// incarceration: 姓名,身份证号,措施类型,起始日期
const incarceration = [['唐国强', substitute(ID.father5, 3, 12), '服刑在押', '2024-01-01']]; // two wrong digits, no birth date

const csv = (header: string, rows: string[][]) => header + '\n' + rows.map((r) => r.join(',')).join('\n') + '\n';

let db: Db;
let person: Map<string, string>;

function pid(feed: string, row: number, role = feed === 'registry' ? 'child' : 'subject'): string {
  const key = [...person.keys()].find((k) => k.startsWith(feed + ':') && k.endsWith(`:${row}:${role}`));
  if (!key) throw new Error(`no mention ${feed} row ${row} ${role}`);
  return person.get(key)!;
}

async function mention(feed: string, row: number) {
  const [m] = await queryRows<{ id: string; id_valid: boolean; birth_date: string | null; gender: string | null; county: string | null }>(
    db,
    `SELECT id, id_valid, birth_date::VARCHAR AS birth_date, gender, county FROM mentions WHERE feed = '${feed}' AND src_row = ${row} AND role = 'subject'`,
  );
  return m!;
}

beforeAll(async () => {
  const inbox = tempDir();
  writeFile(inbox, 'registry/roster.csv', csv('姓名,身份证号,性别,出生日期,户籍地区划代码,保障类别,保障状态,父亲姓名,父亲身份证号,母亲姓名,母亲身份证号', registry));
  writeFile(inbox, 'disability/canlian.csv', csv('姓名,身份证号,残疾人证号,残疾类别,残疾等级,发证日期,证件状态', disability));
  writeFile(inbox, 'death/gongan.csv', csv('姓名,身份证号,性别,出生日期,死亡日期,户籍地区划代码,记录编号', death));
  writeFile(inbox, 'incarceration/sifa.csv', csv('姓名,身份证号,措施类型,起始日期', incarceration));
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, loadConfig(undefined, { database: ':memory:', inbox }));
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded', 'loaded', 'loaded']);
  await linkPersons(db, { runId: 'id-sources' });
  const rows = await queryRows<{ mention_key: string; person_id: string }>(db, 'SELECT mention_key, person_id FROM persons');
  person = new Map(rows.map((r) => [r.mention_key, r.person_id]));
}, 60_000);

describe('certificate number as an ID source', () => {
  it('one wrong birth-date digit in the ID column: the mention takes the certificate ID and links to the registry parent', async () => {
    expect(await mention('disability', 1)).toMatchObject({ id: ID.mother1, id_valid: true, birth_date: '1985-06-20', gender: 'F', county: NANSHAN });
    expect(pid('disability', 1)).toBe(pid('registry', 1, 'mother'));
  });

  it('a valid ID column that contradicts the valid certificate ID gives way to it', async () => {
    expect((await mention('disability', 2)).id).toBe(ID.child2);
    expect(pid('disability', 2)).toBe(pid('registry', 2));
  });

  it('an empty ID column is rescued by a certificate number whose check character was dropped', async () => {
    expect(await mention('disability', 3)).toMatchObject({ id: ID.child3, id_valid: true, birth_date: '2011-04-05' });
    expect(pid('disability', 3)).toBe(pid('registry', 3));
    expect(await mention('disability', 4)).toMatchObject({ id: ID.child1, id_valid: true, birth_date: '2012-03-15' });
    expect(pid('disability', 4)).toBe(pid('registry', 1));
  });

  it('each rescue is a data-quality finding; the ID column is kept as written', async () => {
    const rows = await queryRows<{ src_row: number }>(
      db,
      `SELECT f.src_row FROM findings f JOIN ingest_batches b USING (batch_id) WHERE b.feed = 'disability' AND f.code = 'ID_FROM_CERTIFICATE' ORDER BY 1`,
    );
    expect(rows.map((r) => r.src_row)).toEqual([1, 2, 3, 4]);
    const stored = await queryRows<{ id_number: string }>(db, `SELECT id_number FROM feed_disability ORDER BY src_row`);
    expect(stored[0]!.id_number).toBe(mother1Typo);
    expect(stored[1]!.id_number).toBe(ID.other);
  });

  it('certificateIdSql: 18 valid characters, or 17 digits + check for a 19-digit number; nothing else', async () => {
    const expr = certificateIdSql('c', (id) => `len(bidui_id(${id}, false).region_current) > 0`);
    const cases: [string, string | null][] = [
      [ID.child1 + '41', ID.child1],
      [' ' + ID.child1.slice(0, 6) + ' ' + ID.child1.slice(6) + '41', ID.child1],
      [ID.child1.slice(0, 17) + '41', ID.child1],
      [substitute(ID.child1, 9) + '41', null], // check character wrong
      [ID.child1.slice(0, 15) + '41', null], // too short
      [makeId('999999', '20120315', '131') + '41', null], // unknown address code
    ];
    for (const [cert, want] of cases) {
      const [r] = await queryRows<{ id: string | null }>(db, `SELECT ${expr} AS id FROM (SELECT '${cert}' AS c)`);
      expect(r!.id, cert).toBe(want);
    }
  });
});

describe('two-defect candidates', () => {
  it('two wrong ID digits and the traditional form of the name still link (no birth date on the record)', async () => {
    expect(pid('death', 1)).toBe(pid('registry', 4));
    const [link] = await queryRows<{ t: string; c: string }>(
      db,
      `SELECT explanation_text AS t, match_class AS c FROM person_links WHERE 'registry:1:4:child' IN (mention_key_l, mention_key_r) AND (mention_key_l LIKE 'death:%' OR mention_key_r LIKE 'death:%')`,
    );
    expect(link!.c).toBe('linked');
    expect(link!.t).toContain('id: two substituted digits, one side invalid, same name');
  });

  it('two wrong ID digits, the name as written, no birth date: the restriction reaches the registry father', () =>
    expect(pid('incarceration', 1)).toBe(pid('registry', 5, 'father')));

  it('a twin: the record with a typo links to its own twin, not the other', () => {
    expect(pid('death', 2)).toBe(pid('registry', 7));
    expect(pid('death', 2)).not.toBe(pid('registry', 6));
    expect(pid('registry', 6)).not.toBe(pid('registry', 7));
  });

  it('a namesake with another valid ID two characters away (same birth date and county) stays apart', () =>
    expect(pid('death', 3)).not.toBe(pid('registry', 2)));
});

describe('the mentions kept in the store', () => {
  it("hold each mention's name and ID sealed as the linkage read them, a certificate's ID included", async () => {
    await persistWorkTable(db, 'mentions', { sealedAlready: storedMentionText() });
    // Compared sealed (equal values seal alike): what the store keeps is what sealing the work table's values gives.
    const [row] = await queryRows<{ n: number; certificate: number; same: number }>(
      db,
      `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE w.id_from_certificate)::INTEGER AS certificate,
              count(*) FILTER (WHERE s.name_raw IS NOT DISTINCT FROM bidui_seal(w.name_raw) AND s.id IS NOT DISTINCT FROM bidui_seal(w.id))::INTEGER AS same
       FROM mentions w JOIN sealed_mentions s USING (uid)`,
    );
    expect(row!.certificate).toBe(3);
    expect(row!.same).toBe(row!.n);
    const [count] = await queryRows<{ n: number }>(db, 'SELECT count(*)::INTEGER AS n FROM mentions');
    expect(row!.n).toBe(count!.n);
  });
});
