// A person holding two different valid IDs is split (issue 14, class 4: decoys; matchers/split.ts). The stages run on
// real DuckDB tables shaped as linkPersons leaves them: two namesakes with valid IDs joined through a record whose ID
// was damaged, a record without ID linked to one of them only, and a mention linked to no one with a valid ID.
import { beforeAll, describe, expect, it } from 'vitest';
import { splitStages } from '../../matchers/split.js';
import { StageRunner } from '../../matchers/stage.js';
import { memDb, queryRows } from './helpers.js';
import type { Db } from '../../pipeline/store/index.js';

let db: Db;
const A = '440305198001010011';
const B = '440305198102020031';
const C = '440305197503030051';

beforeAll(async () => {
  db = await memDb();
  // uid, feed, mention_key, id, id_valid, person_id
  const rows: [number, string, string, string | null, boolean, string][] = [
    [1, 'death', 'death:1:1:subject', A, true, 'death:1:1:subject'],
    [2, 'enrollment', 'enrollment:2:1:guardian1', A, true, 'death:1:1:subject'],
    [3, 'incarceration', 'incarceration:3:1:subject', null, false, 'death:1:1:subject'], // damaged ID, between both
    [4, 'disability', 'disability:4:1:subject', B, true, 'death:1:1:subject'],
    [5, 'death', 'death:1:2:subject', null, false, 'death:1:1:subject'], // linked to B's mention only
    [6, 'death', 'death:1:3:subject', null, false, 'death:1:1:subject'], // linked to 5 only: two hops from B
    [7, 'registry', 'registry:5:1:father', C, true, 'registry:5:1:father'], // another person, alone
    [8, 'registry', 'registry:5:1:mother', C, true, 'registry:5:1:father'], // same valid ID twice: no split
    [9, 'death', 'death:1:4:subject', C.slice(0, 15) + '000', true, 'registry:5:1:father'], // cut by a spreadsheet: no split
  ];
  await db.run(`CREATE TABLE mentions (uid BIGINT, feed VARCHAR, id VARCHAR, id_valid BOOLEAN)`);
  await db.run(`CREATE TABLE persons (uid BIGINT, mention_key VARCHAR, feed VARCHAR, person_id VARCHAR, cluster_size INTEGER)`);
  await db.run(`CREATE TABLE person_links (uid_l BIGINT, uid_r BIGINT, match_weight DOUBLE, kept BOOLEAN, match_class VARCHAR)`);
  for (const [uid, feed, key, id, valid, person] of rows) {
    await db.run(`INSERT INTO mentions VALUES (${uid}, '${feed}', ${id ? `'${id}'` : 'NULL'}, ${valid})`);
    await db.run(`INSERT INTO persons VALUES (${uid}, '${key}', '${feed}', '${person}', ${person === 'death:1:1:subject' ? 6 : 3})`);
  }
  // [l, r, weight]
  for (const [l, r, w] of [
    [1, 2, 30],
    [1, 3, 12],
    [3, 4, 10],
    [4, 5, 15],
    [5, 6, 14],
    [7, 8, 30],
    [7, 9, 20],
  ])
    await db.run(`INSERT INTO person_links VALUES (${l}, ${r}, ${w}, true, 'linked')`);
  await new StageRunner(db).run(...splitStages());
}, 30_000);

/** The person id of a person whose smallest mention key is `key` (the rule of personsStage, computed in SQL here). */
const idOf = async (key: string) => (await queryRows<{ id: string }>(db, `SELECT 'P' || left(md5('${key}'), 15) AS id`))[0]!.id;

const personOf = async (uid: number) =>
  (await queryRows<{ person_id: string; cluster_size: number }>(db, `SELECT person_id, cluster_size FROM persons WHERE uid = ${uid}`))[0]!;

describe('splitting a person with two valid IDs', () => {
  it('gives each valid ID its own person, and each mention without one the ID it is most strongly linked to', async () => {
    const a = await personOf(1);
    expect(a).toEqual({ person_id: await idOf('death:1:1:subject'), cluster_size: 3 });
    expect((await personOf(2)).person_id).toBe(a.person_id);
    expect((await personOf(3)).person_id).toBe(a.person_id); // weight 12 to A's mention beats 10 to B's
    const b = await personOf(4);
    expect(b.person_id).not.toBe(a.person_id);
    expect(b).toEqual({ person_id: await idOf('death:1:2:subject'), cluster_size: 3 }); // the hash of the new person's smallest mention key (a key names its feed)
    expect((await personOf(5)).person_id).toBe(b.person_id);
    expect((await personOf(6)).person_id).toBe(b.person_id); // through mention 5
  });

  it('leaves a person whose mentions carry one valid ID alone (an ID a spreadsheet cut to 000 does not count)', async () => {
    expect(await personOf(7)).toEqual({ person_id: 'registry:5:1:father', cluster_size: 3 });
    expect((await personOf(8)).person_id).toBe('registry:5:1:father');
    expect((await personOf(9)).person_id).toBe('registry:5:1:father');
  });

  it('no longer keeps the link that joined the two', async () => {
    const links = await queryRows<{ l: number; r: number; kept: boolean }>(db, `SELECT uid_l::INTEGER AS l, uid_r::INTEGER AS r, kept FROM person_links ORDER BY 1, 2`);
    expect(links.filter((x) => !x.kept).map((x) => [x.l, x.r])).toEqual([[3, 4]]);
  });
});
