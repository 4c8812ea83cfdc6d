import { describe, expect, it } from 'vitest';
import { ensureMatchFunctions } from '../../matchers/index.js';
import { idRelation } from '../../matchers/functions.js';
import { memDb, queryRows } from './helpers.js';

describe('Chinese identity UDFs', () => {
  it('bidui_char_damerau counts code points, not bytes or UTF-16 units', async () => {
    const db = await memDb();
    ensureMatchFunctions(db);
    const rows = await queryRows<Record<string, number | null>>(
      db,
      `SELECT bidui_char_damerau('张三', '张山') AS a, levenshtein('张三', '张山')::INTEGER AS bytes,
        bidui_char_damerau('张', '山') AS b, bidui_char_damerau('𠀀明', '𠀁明') AS astral,
        bidui_char_damerau('王𠀀', '王') AS astral_del, bidui_char_damerau('欧阳娜娜', '欧娜阳娜') AS transposed,
        bidui_char_damerau('李四', '李四') AS same, bidui_char_damerau(NULL, '李四') AS nul, bidui_char_damerau('', '李四') AS empty,
        bidui_char_damerau('王明小', '王小明') AS swap, damerau_levenshtein('张三', '张山')::INTEGER AS builtin`,
    );
    expect(rows[0]).toEqual({ a: 1, bytes: 3, b: 1, astral: 1, astral_del: 1, transposed: 1, same: 0, nul: null, empty: 2, swap: 1, builtin: 3 });
  });

  it('bidui_char_damerau works over a table column (vectorised, with NULLs)', async () => {
    const db = await memDb();
    ensureMatchFunctions(db);
    const rows = await queryRows<{ d: number | null }>(
      db,
      `SELECT bidui_char_damerau(a, b) AS d FROM (VALUES ('陈小明', '陈晓明'), (NULL, '陈'), ('王', '汪'), ('张伟', '伟张')) t(a, b)`,
    );
    expect(rows.map((r) => r.d)).toEqual([1, null, 1, 1]);
  });

  it('bidui_id_relation classifies two 18-character IDs', async () => {
    const db = await memDb();
    ensureMatchFunctions(db);
    const id = '11010519491231002X';
    const cases: [string | null, string | null, string | null][] = [
      [id, id.toLowerCase(), 'exact'],
      [id, '11010519491231003X', 'one_substitution'],
      [id, '11010519492131002X', 'adjacent_transposition'],
      [id, '110105194912310417', 'same_birth_region'],
      [id, '110106194912310028', 'other'],
      [id, '11010519491231', 'other'],
      [id, null, null],
      ['', id, null],
    ];
    const sql = cases.map(([a, b], i) => `SELECT ${i} AS i, bidui_id_relation(${a == null ? 'NULL' : `'${a}'`}, ${b == null ? 'NULL' : `'${b}'`}) AS rel`).join(' UNION ALL ');
    const rows = await queryRows<{ i: number; rel: string | null }>(db, `${sql} ORDER BY i`);
    expect(rows.map((r) => r.rel)).toEqual(cases.map((c) => c[2]));
    for (const [a, b, want] of cases) expect(idRelation(a, b)).toBe(want);
  });
});
