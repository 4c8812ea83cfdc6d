import { installIdentity, NAME_FORM_PARTS, NAME_FORMS_VERSION } from '../identity/index.js';
import { log } from '../log.js';
import { exclusive, quoteIdent, queryRows, type Db } from './db.js';
import { ALL_FEED_SPECS } from './schema.js';
import { sealedInsertSql, sealedTable } from './sealed.js';

/** Adds to name_forms (sealed) the forms of every name in column `v` of `from` (distinct, not NULL). */
export function insertNameFormsSql(from: string): string {
  const forms = NAME_FORM_PARTS.map(([, list], i) => (list ? `string_split(p[${i + 1}], chr(30))` : `p[${i + 1}]`));
  return sealedInsertSql(
    'name_forms',
    ['name', ...NAME_FORM_PARTS.map(([name]) => name)],
    ['v', ...forms],
    `FROM (SELECT v, string_split(bidui_name(v), chr(31)) AS p FROM ${from})`,
  );
}

/** SQL true when name `v` (plain) has no forms yet: compared sealed, without opening name_forms. */
export const lacksNameFormsSql = (v: string) => `NOT EXISTS (SELECT 1 FROM ${sealedTable('name_forms').table} nf WHERE nf.name = bidui_seal(${v}))`;

/**
 * Brings name_forms up to the running NAME_FORMS_VERSION: when the store's forms were computed by
 * another version (or by a bidui from before versions), the forms of every name that some feed row
 * has are computed again, and the names no feed row has any more (of failed or purged batches) go.
 * A batch adds only the names name_forms lacks, so without this an improved normalisation would
 * never reach the names already stored. Returns the previous version, or null when nothing changed.
 */
export async function refreshNameForms(db: Db): Promise<{ from: number | null; names: number } | null> {
  return exclusive(db, 'name_forms', async () => {
    const [stored] = await queryRows<{ version: number }>(db, 'SELECT max(version) AS version FROM name_forms_version');
    const from = stored?.version ?? null;
    if (from === NAME_FORMS_VERSION) return null;
    const started = performance.now();
    await installIdentity(db);
    const names = ALL_FEED_SPECS.flatMap((spec) =>
      spec.fields.filter((f) => f.kind.type === 'name').map((f) => `SELECT ${quoteIdent(f.key)} AS v FROM ${quoteIdent(spec.table)}`),
    );
    await db.run(`CREATE OR REPLACE TEMP TABLE name_forms_names AS SELECT DISTINCT v FROM (${names.join(' UNION ALL ')}) WHERE v IS NOT NULL`);
    await db.run('BEGIN TRANSACTION');
    try {
      await db.run(`DELETE FROM ${sealedTable('name_forms').table}`);
      await db.run(insertNameFormsSql('name_forms_names'));
      await db.run('DELETE FROM name_forms_version');
      await db.run(`INSERT INTO name_forms_version VALUES (${NAME_FORMS_VERSION}, now())`);
      await db.run('COMMIT');
    } catch (err) {
      // A COMMIT that failed has ended the transaction already: keep its error, not ROLLBACK's.
      await db.run('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await db.run('DROP TABLE IF EXISTS name_forms_names');
    }
    const [{ n }] = (await queryRows<{ n: number }>(db, 'SELECT count(*)::INTEGER AS n FROM name_forms')) as [{ n: number }];
    log.info({ from, to: NAME_FORMS_VERSION, names: n, seconds: (performance.now() - started) / 1000 }, 'name forms computed again');
    return { from, names: n };
  });
}
