// Persons of interest, linked to anchors (issue 14): the school registry (a linkOnly feed) reaches the engine
// only through the rows one of whose people could link to a registry person or an event subject; the rest are
// persons of their own and are never compared.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { interestFeeds } from '../../matchers/mentions.js';
import { linkPersons } from '../../matchers/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';

const NANSHAN = '440305';
const FUTIAN = '440304';
const ID = {
  child: makeId(NANSHAN, '20120315', '131'),
  child2: makeId(FUTIAN, '20100722', '245'),
  father: makeId(NANSHAN, '19800101', '311'),
  dead: makeId(FUTIAN, '19780505', '417'),
  student: makeId(FUTIAN, '20110909', '522'),
  stranger: makeId(NANSHAN, '20130303', '633'),
  strangerParent: makeId(NANSHAN, '19850808', '745'),
};
const substitute = (id: string, i: number) => id.slice(0, i) + ((+id[i]! + 3) % 10) + id.slice(i + 1);

const csv = (header: string, rows: string[][]) => header + '\n' + rows.map((r) => r.join(',')).join('\n') + '\n';

let db: Db;

async function keysOf(sql: string): Promise<string[]> {
  return (await queryRows<{ k: string }>(db, sql)).map((r) => r.k).sort();
}

async function personOf(mentionKeySuffix: string): Promise<{ person_id: string; cluster_size: number }> {
  const rows = await queryRows<{ person_id: string; cluster_size: number }>(
    db,
    `SELECT person_id, cluster_size::INTEGER AS cluster_size FROM persons WHERE mention_key LIKE '%' || '${mentionKeySuffix}'`,
  );
  if (rows.length !== 1) throw new Error(`${rows.length} mentions end in ${mentionKeySuffix}`);
  return rows[0]!;
}

beforeAll(async () => {
  const inbox = tempDir();
  writeFile(
    inbox,
    'registry/roster.csv',
    csv('姓名,身份证号,户籍地区划代码,保障类别,保障状态,父亲姓名,父亲身份证号', [
      ['张晓明', ID.child, NANSHAN, '孤儿', '在保', '张建国', ID.father],
      ['李静怡', ID.child2, FUTIAN, '孤儿', '在保', '', ''],
    ]),
  );
  writeFile(inbox, 'death/gongan.csv', csv('姓名,身份证号,死亡日期,户籍地区划代码,记录编号', [['王强', ID.dead, '2026-03-01', FUTIAN, 'D1']]));
  writeFile(
    inbox,
    'enrollment/xueji.csv',
    csv('姓名,身份证号,学籍状态,监护人一姓名,监护人一身份证号,监护人一关系', [
      ['张晓明', ID.child, '在读', '张建国', ID.father, '父亲'], // 1: a registered child, exact ID
      ['王小虎', ID.student, '在读', '王强', ID.dead, '父亲'], // 2: not registered; the father died
      ['赵一凡', ID.stranger, '在读', '赵大海', ID.strangerParent, '父亲'], // 3: links to nobody
      ['李静怡', substitute(ID.child2, 9), '在读', '', '', ''], // 4: a registered child, one wrong digit
    ]),
  );
  db = await openStore(':memory:');
  const reports = await ingestInbox(db, loadConfig(undefined, { database: ':memory:', inbox }));
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded', 'loaded']);
  await linkPersons(db, { runId: 'interest-1' });
}, 60_000);

describe('persons of interest, linked to anchors', () => {
  it('derives the sides from the feed specs: the school registry is link-only, every other feed an anchor', () => {
    const f = interestFeeds();
    expect(f.linkOnly).toEqual(['enrollment']);
    expect(f.anchors).toEqual(expect.arrayContaining(['registry', 'death', 'incarceration', 'disability']));
    expect(f.anchors).not.toContain('enrollment');
  });

  it('keeps a school row by an exact ID first, then by the key rules; the row whose people link to nobody is not compared', async () => {
    expect(await keysOf(`SELECT m.src_row || ':' || m.role || ':' || h.test AS k FROM interest_hits h JOIN mentions m USING (uid, feed)`)).toEqual([
      '1:guardian1:id',
      '1:subject:id',
      '2:guardian1:id',
      '4:subject:1', // the one-substitution ID rule
    ]);
    // Whole rows: the student of row 2 (whose father died) is compared too; nothing of row 3 is.
    expect(await keysOf(`SELECT src_row || ':' || role AS k FROM match_nodes WHERE feed = 'enrollment'`)).toEqual([
      '1:guardian1',
      '1:subject',
      '2:guardian1',
      '2:subject',
      '4:subject',
    ]);
    expect(await keysOf(`SELECT DISTINCT feed AS k FROM match_nodes`)).toEqual(['death', 'enrollment', 'registry']);
  });

  it('links the kept rows to the anchors and leaves the rest persons of their own', async () => {
    expect((await personOf('enrollment:3:1:subject')).person_id).toBe((await personOf(':1:child')).person_id);
    expect((await personOf('enrollment:3:1:guardian1')).person_id).toBe((await personOf(':1:father')).person_id);
    expect((await personOf('enrollment:3:2:guardian1')).person_id).toBe((await personOf('death:2:1:subject')).person_id);
    expect((await personOf('enrollment:3:4:subject')).person_id).toBe((await personOf(':2:child')).person_id);
    for (const role of ['subject', 'guardian1']) {
      const p = await personOf(`enrollment:3:3:${role}`);
      // A person of its own: its id is the hash of its own mention key (sql-persons.ts: ids never name a feed).
      const [own] = await queryRows<{ id: string }>(db, `SELECT 'P' || left(md5('enrollment:3:3:${role}'), 15) AS id`);
      expect(p).toEqual({ person_id: own!.id, cluster_size: 1 });
    }
    const [n] = await queryRows<{ persons: number; mentions: number }>(db, `SELECT (SELECT count(*) FROM persons)::INTEGER AS persons, (SELECT count(*) FROM mentions)::INTEGER AS mentions`);
    expect(n!.persons).toBe(n!.mentions);
  });

  it("scope 'all' puts every mention in one graph", async () => {
    const r = await linkPersons(db, { runId: 'interest-all', scope: 'all' });
    expect(r.counts.engineMentions).toBe(r.counts.mentions);
    expect(await keysOf(`SELECT src_row || ':' || role AS k FROM match_nodes WHERE feed = 'enrollment' AND src_row = 3`)).toEqual(['3:guardian1', '3:subject']);
  });
});
