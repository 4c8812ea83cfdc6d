import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDigit, nameFormsSql, registerIdentityFunctions } from '../../pipeline/identity/index.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  registerIdentityFunctions(conn);
});

afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

describe('DuckDB UDFs', () => {
  it('bidui_id returns the whole IdResult as a struct', async () => {
    const retired = '11010319800101001' + checkDigit('11010319800101001');
    const r = await rows(`
      select bidui_id('11010519491231002x', false) as a,
             bidui_id('${retired}', null) as b,
             bidui_id('110105194912310030', true) as c,
             bidui_id(null, false) as d`);
    expect(r[0]!.a).toEqual({
      id: '11010519491231002X',
      valid: true,
      damaged: false,
      issues: ['LOWERCASE_X'],
      birth_date: '1949-12-31',
      gender: 'F',
      region: '110105',
      region_current: ['110105'],
    });
    expect(r[0]!.b).toMatchObject({ valid: true, issues: ['RETIRED_REGION'], region_current: ['110101'] });
    expect(r[0]!.c).toMatchObject({ id: null, damaged: true, issues: ['NUMERIC_CELL'], gender: null });
    expect(r[0]!.d).toBeNull();
  });

  it('bidui_name returns the forms of a name, unpacked by nameFormsSql', async () => {
    const forms = async (v: string) => (await rows(`SELECT ${nameFormsSql('p')} FROM (SELECT string_split(bidui_name(${v}), chr(31)) AS p)`))[0]!;
    const a = await forms("'單田芳'");
    expect(a).toMatchObject({ norm: '單田芳', simplified: '单田芳', pinyin: 'shantianfang', surname: '單', given: '田芳', tokens: ['單田芳'] });
    expect(a.pinyin_alts).toContain('dantianfang');
    expect(await forms("'阿依古丽•买买提'")).toMatchObject({ norm: '阿依古丽·买买提', pinyin: 'ayiguli.maimaiti', surname: '', tokens: ['阿依古丽', '买买提'] });
    const r = await rows(`select bidui_name('') as c, bidui_name(null) as d`);
    expect(r[0]).toEqual({ c: null, d: null });
  });

  it('bidui_date and bidui_month', async () => {
    const r = await rows(`
      select bidui_date('2024年3月1日', false) as a, bidui_date('0', true) as b, bidui_date('60', false) as c,
             bidui_date('x', null) as d, bidui_date(null, false) as e,
             bidui_month('2024年3月') as f, bidui_month('2024-13') as g,
             bidui_date('2024-03-01', false).date = date '2024-03-01' as h`);
    expect(r[0]).toEqual({
      a: { date: '2024-03-01', error: null },
      b: { date: '1904-01-01', error: null },
      c: { date: null, error: 'INVALID_DATE' },
      d: { date: null, error: 'UNRECOGNISED_FORMAT' },
      e: null,
      f: { month: '2024-03', error: null },
      g: { month: null, error: 'INVALID_DATE' },
      h: true,
    });
  });

  it('bidui_code', async () => {
    const r = await rows(`
      select bidui_code('category', '社会散居孤儿') as a, bidui_code('gender', '2') as b,
             bidui_code('gender', '9') as c, bidui_code('nope', '男') as d, bidui_code('gender', null) as e`);
    expect(r[0]).toEqual({
      a: { code: 'ORPHAN', subtype: 'SCATTERED', error: null },
      b: { code: 'F', subtype: null, error: null },
      c: { code: null, subtype: null, error: 'UNKNOWN_CODE' },
      d: { code: null, subtype: null, error: 'UNKNOWN_CODE_SET' },
      e: null,
    });
  });

  it('works over more than one vector of rows', async () => {
    const r = await rows(`
      select count(*)::int as n, count(distinct bidui_id(s, false).id)::int as ids,
             sum(bidui_id(s, false).valid::int)::int as valid
      from (select '11010519900101' || lpad((i % 1000)::varchar, 3, '0') || 'X' as s from range(5000) t(i))`);
    expect(r[0]!.n).toBe(5000);
    expect(r[0]!.ids).toBe(1000);
    // one in eleven sequence codes has X as its check digit
    expect(r[0]!.valid).toBeGreaterThan(300);
    expect(r[0]!.valid).toBeLessThan(700);
  });
});
