import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { NAME_FORMS_VERSION, normalizeName } from '../../pipeline/identity/index.js';
import { openStore, queryRows, refreshNameForms, type Db } from '../../pipeline/store/index.js';
import { insertPlain, makeId, tempDir, writeFile } from '../helpers.js';

const ID = makeId('440305', '19800101', '224');

/** A store file with two names ingested: 陳欣怡 (death) and 单雨涵 (enrollment). */
async function storeWithNames(): Promise<{ db: Db; path: string }> {
  const dir = tempDir();
  const inbox = join(dir, 'inbox');
  writeFile(inbox, 'death/d.csv', `姓名,公民身份号码,死亡日期\n陳欣怡,${ID},2024-03-01\n`);
  writeFile(inbox, 'enrollment/e.csv', `姓名,身份证件号码,学籍状态\n单雨涵,${makeId('440305', '20150101', '123')},在读\n`);
  const path = join(dir, 'bidui.duckdb');
  const db = await openStore(path);
  const reports = await ingestInbox(db, loadConfig(undefined, { database: path, inbox }));
  expect(reports.map((r) => r.status)).toEqual(['loaded', 'loaded']);
  return { db, path };
}

const forms = (db: Db) => queryRows<{ name: string; pinyin: string; pinyin_alts: string[] }>(db, 'SELECT name, pinyin, pinyin_alts FROM name_forms ORDER BY name');
const version = async (db: Db) => (await queryRows<{ version: number }>(db, 'SELECT version FROM name_forms_version'))[0]?.version;

describe('name forms version', () => {
  it('a new store records the running version', async () => {
    const { db } = await storeWithNames();
    expect(await version(db)).toBe(NAME_FORMS_VERSION);
    expect(await refreshNameForms(db)).toBeNull();
  });

  it('forms computed by another version are computed again when the store is opened, for the names feed rows have', async () => {
    const { db, path } = await storeWithNames();
    // As an older normalisation left them: a stale form, and a name no feed row has (a failed batch's).
    await db.run(`UPDATE sealed_name_forms SET pinyin = bidui_seal('stale'), pinyin_alts = bidui_seal('["stale"]')`);
    await insertPlain(db, 'name_forms',`INSERT INTO name_forms (name, pinyin) VALUES ('王小明', 'wangxiaoming')`);
    await db.run(`UPDATE name_forms_version SET version = ${NAME_FORMS_VERSION - 1}`);

    const reopened = await openStore(path);
    const expected = ['单雨涵', '陳欣怡'].map((name) => {
      const f = normalizeName(name)!;
      return { name, pinyin: f.pinyin, pinyin_alts: f.pinyinAlts };
    });
    expect(await forms(reopened)).toEqual(expected);
    expect(expected[0]!.pinyin_alts).toContain('shanyuhan'); // 单 read both ways, as an ingest computes it
    expect(await version(reopened)).toBe(NAME_FORMS_VERSION);
  });

  it('leaves forms of the running version alone', async () => {
    const { db } = await storeWithNames();
    await db.run(`UPDATE sealed_name_forms SET pinyin = bidui_seal('kept')`);
    expect(await refreshNameForms(db)).toBeNull();
    expect((await forms(db)).map((f) => f.pinyin)).toEqual(['kept', 'kept']);
  });

  it('a store from before versions (no version row) is brought up to date, and reports it', async () => {
    const { db } = await storeWithNames();
    await db.run(`DELETE FROM name_forms_version`);
    await db.run(`DELETE FROM sealed_name_forms`);
    expect(await refreshNameForms(db)).toEqual({ from: null, names: 2 });
    expect((await forms(db)).map((f) => f.name)).toEqual(['单雨涵', '陳欣怡']);
  });
});
