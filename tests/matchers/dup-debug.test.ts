import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { openStore, queryRows } from '../../pipeline/store/index.js';
import { linkPersons } from '../../matchers/index.js';
import { csvOf, makeId, tempDir, writeFile } from '../helpers.js';

describe('dup', () => {
  it('links', async () => {
    const inbox = tempDir();
    const child = makeId('440222', '20101013', '141');
    const f = makeId('440222', '19730105', '041'), m = makeId('440904', '19740302', '928');
    const rows: string[][] = [
      ['ET1', '罗毅锋', child, '2010-10-13', '440222023', '孤儿', '在保', '罗伟浩', f, '赵怡晴', m],
      ['ET2', '罗毅锋', '', '2010-10-13', '441226', '孤儿', '在保', '罗伟浩', f, '赵怡晴', m],
    ];
    for (let i = 0; i < 40; i++) rows.push([`X${i}`, `张${'一二三四五六七八九十'[i % 10]}${'甲乙丙丁'[i % 4]}`, makeId('440222', `2011${String(1 + (i % 12)).padStart(2, '0')}15`, String(100 + i)), '', '440222', '孤儿', '在保', '', '', '', '']);
    writeFile(inbox, 'registry/a.csv', csvOf('儿童编号,儿童姓名,身份证号,出生日期,户籍地区划代码,保障类别,保障状态,父亲姓名,父亲身份证号,母亲姓名,母亲身份证号', rows));
    const cfg = loadConfig(undefined, { database: ':memory:', inbox });
    const db = await openStore(':memory:');
    await ingestInbox(db, cfg);
    await linkPersons(db, { runId: 'dup' });
    console.log(await queryRows(db, `SELECT mention_key, person_id FROM persons WHERE role='child' AND src_row <= 2`));
    console.log(await queryRows(db, `SELECT mention_key_l, mention_key_r, match_probability, explanation_text FROM person_links`));
    expect(1).toBe(1);
  });
});
