import { describe, expect, it } from 'vitest';
import { ensureMatchFunctions } from '../../matchers/index.js';
import { idRelation } from '../../matchers/functions.js';
import { checkDigit } from '../../pipeline/identity/index.js';
import { memDb, queryRows } from './helpers.js';

describe('Chinese identity UDFs', () => {
  it('bidui_char_damerau counts code points, not bytes or UTF-16 units', async () => {
    const db = await memDb();
    await ensureMatchFunctions(db);
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
    await ensureMatchFunctions(db);
    const rows = await queryRows<{ d: number | null }>(
      db,
      `SELECT bidui_char_damerau(a, b) AS d FROM (VALUES ('陈小明', '陈晓明'), (NULL, '陈'), ('王', '汪'), ('张伟', '伟张')) t(a, b)`,
    );
    expect(rows.map((r) => r.d)).toEqual([1, null, 1, 1]);
  });

  it('bidui_id_relation classifies two 18-character IDs', async () => {
    const db = await memDb();
    await ensureMatchFunctions(db);
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

  it('bidui_id_one_edits lists, for a bad check digit, exactly the valid IDs one substitution or transposition away', async () => {
    const db = await memDb();
    await ensureMatchFunctions(db);
    // Every one-edit form of a few valid IDs (a check digit X, a 0 and a 1 among them), next to the brute force.
    const valid = ['11010519491231002', '51090419870215001', '51342219860216237', '35052419880808461', '44030520101111000', '11010519491231007'].map((x) => x + checkDigit(x));
    expect(new Set(valid.map((v) => v[17])).size).toBeGreaterThanOrEqual(4);
    const chars = '0123456789X';
    const isValid = (x: string) => /^\d{17}[\dX]$/.test(x) && checkDigit(x.slice(0, 17)) === x[17];
    const edits = (x: string) => {
      const out = new Set<string>();
      for (let i = 0; i < 18; i++) for (const c of i === 17 ? chars : chars.slice(0, 10)) if (c !== x[i]) out.add(x.slice(0, i) + c + x.slice(i + 1));
      for (let i = 0; i < 17; i++) if (x[i] !== x[i + 1]) out.add(x.slice(0, i) + x[i + 1] + x[i] + x.slice(i + 2));
      return [...out].filter((y) => /^\d{17}[\dX]$/.test(y));
    };
    const typos = valid.flatMap((v) => edits(v).map((t) => ({ v, t })));
    expect(typos.every(({ t }) => !isValid(t))).toBe(true); // one edit always breaks the check digit
    const rows = await queryRows<{ t: string; forms: string[] }>(
      db,
      `SELECT t, bidui_id_one_edits(t) AS forms FROM (SELECT unnest(${JSON.stringify([...new Set(typos.map((x) => x.t))]).replaceAll('"', "'")}) AS t)`,
    );
    const forms = new Map(rows.map((r) => [r.t, r.forms]));
    for (const { v, t } of typos) expect(forms.get(t), `${t} from ${v}`).toContain(v);
    for (const [t, fs] of forms) expect(fs.sort(), t).toEqual(edits(t).filter(isValid).sort());
    const [plain] = await queryRows<Record<string, string[] | null>>(db, `SELECT bidui_id_one_edits('${valid[0]}') AS ok, bidui_id_one_edits('1101051949123100') AS short, bidui_id_one_edits('11010519491231002x') AS lower, bidui_id_one_edits(NULL) AS nul`);
    expect(plain).toEqual({ ok: [valid[0]], short: null, lower: null, nul: null });
  });
});
