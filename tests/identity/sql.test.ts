import { describe, expect, it } from 'vitest';
import { checkDigit, ID_PARTS, idPartsSql, idSql, installIdentity, normalizeId, REGION_TABLE } from '../../pipeline/identity/index.js';
import { openDb, queryRows } from '../../pipeline/store/index.js';

/** A deterministic spread of ID values: clean, bad check digit, bad dates, unknown/retired regions, zero tails, X. */
function sampleIds(): string[] {
  const regions = ['440305', '110101', '110103', '130106', '999999', '440300', '000000'];
  const dates = ['20120315', '19800229', '19810229', '20991231', '18991231', '20120230', '20001301', '19000101'];
  const out: string[] = [];
  let n = 0;
  for (const r of regions)
    for (const d of dates)
      for (const seq of ['001', '002', '123', '450', '999']) {
        const first17 = r + d + seq;
        const good = first17 + checkDigit(first17);
        out.push(good, first17 + ((Number(checkDigit(first17) === 'X' ? 10 : checkDigit(first17)) + 1 + (n++ % 9)) % 10));
      }
  out.push('440305201203150000', '44030520120315123X', ' 440305201203151234 ', '440305201203151000', '440305201203150000');
  // A real ID that ends in 000 with a right check digit stays on the fast path.
  for (let seq = 0; seq < 1000 && out.length < 600; seq++) {
    const first17 = '44030519900101' + String(seq).padStart(3, '0');
    if (checkDigit(first17) === '0' && first17.endsWith('00')) out.push(first17 + '0');
  }
  return out;
}

describe('SQL fast path for ID numbers', () => {
  it('decides exactly what normalizeId decides, field by field', async () => {
    const db = await openDb(':memory:');
    await installIdentity(db);
    const ids = sampleIds();
    await db.run(`CREATE TEMP TABLE ids AS SELECT unnest([${ids.map((i) => `'${i}'`).join(',')}]) AS raw`);
    // The fast path's own columns, where it decides (no UDF fallback involved).
    const items = idSql('t', 'k', 't.raw', 'false', 'rg');
    const parts = idPartsSql('raw', 'k');
    const all = await queryRows<Record<string, unknown>>(
      db,
      `SELECT t.raw, ${items.join(', ')}
       FROM (SELECT *, ${parts.derived.join(', ')} FROM (SELECT raw, ${parts.value.join(', ')} FROM ids)) t
       LEFT JOIN ${REGION_TABLE} rg ON rg.code = substr(t."k$s", 1, 6)`,
    );
    const rows = all.map((row) => ({
      raw: row.raw as string,
      r: row['k$fast'] ? Object.fromEntries(ID_PARTS.map((p) => [p, row[`k$${p}`]])) : null,
    }));
    // Where it does not decide, the UDF was called.
    for (const row of all) expect(row['k$slow'] === null).toBe(row['k$fast'] === true);
    expect(rows).toHaveLength(ids.length);
    const decided = rows.filter((row) => row.r !== null);
    expect(decided.length).toBeGreaterThan(ids.length * 0.9);
    for (const { raw, r } of decided) {
      const js = normalizeId(raw);
      expect({ raw, ...r }).toEqual({
        raw,
        id: js.id,
        valid: js.valid,
        damaged: js.damaged,
        issues: js.issues,
        birth_date: js.birthDate,
        gender: js.gender,
        region: js.region,
        region_current: js.regionCurrent,
      });
    }
  });
});
