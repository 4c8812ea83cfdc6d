import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { installIdentity, NAME_FORMS_VERSION } from '../../pipeline/identity/index.js';
import { insertNameFormsSql, lit, openStore, queryRows } from '../../pipeline/store/index.js';

// Names that exercise every step of normalizeName: traditional characters, polyphonic and compound
// surnames, dotted minority names and their dot variants, full-width and Latin letters, spaces,
// private-use and control characters, rare characters.
const SAMPLES = [
  '陈欣怡', '陳欣怡', '单雨涵', '曾国藩', '解晓东', '区志强', '仇浩', '朴正熙', '尉迟恭', '欧阳娜娜',
  '司马光', '万俟卨', '长孙无忌', '乐正', '阿依古丽·买买提', '阿依古丽•买买提', '阿依古丽・买买提',
  '阿依古丽 买买提', '热依拉．吐尔逊', '扎西 多吉', 'ＬＩ　Ｌｅｉ', 'Li Lei', '王\uE000明', '李\u0007雷',
  '张三丰 ', ' 赵钱孙', '鍾書', '於丹', '于丹', '覃', '𠮷野', '叶', '葉', '重阳', '行者',
];

/**
 * Stored names keep the forms they were given, so a change to normalizeName (or to how bidui_name
 * hands its forms to SQL and the store unpacks them) must raise
 * NAME_FORMS_VERSION (pipeline/identity/name.ts), which makes stores compute them again. This
 * pins the forms of the samples to the version: when it fails, raise the version and put the new
 * fingerprint here with it.
 */
const FINGERPRINTS: Record<number, string> = {
  1: '7b01b0a02209758d',
};

describe('NAME_FORMS_VERSION', () => {
  it('is raised whenever the stored forms of a name change', async () => {
    const db = await openStore(':memory:');
    await installIdentity(db);
    await db.run(`CREATE TEMP TABLE samples AS SELECT unnest([${SAMPLES.map(lit).join(', ')}]) AS v`);
    await db.run(insertNameFormsSql('samples'));
    const forms = await queryRows(db, 'SELECT * FROM name_forms ORDER BY name');
    expect(forms).toHaveLength(SAMPLES.length);
    const fingerprint = createHash('sha256').update(JSON.stringify(forms)).digest('hex').slice(0, 16);
    expect({ version: NAME_FORMS_VERSION, fingerprint }).toEqual({ version: NAME_FORMS_VERSION, fingerprint: FINGERPRINTS[NAME_FORMS_VERSION] });
  });
});
