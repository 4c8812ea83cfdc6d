import type { FeedSpec, FieldSpec } from '../pipeline/feeds.js';
import { ident, lit } from '../pipeline/store/index.js';
import { NUMERIC_SEP } from './readers/index.js';

/**
 * SQL that turns a staging table (see readers/types.ts) into normalised feed rows, the errors that
 * quarantine a row, and the findings that are reported on loaded rows. Distinct values of
 * names, dates and codes are normalised once each in lookup tables and joined back; ID numbers are
 * nearly all distinct, so they go through the UDF row by row.
 *
 * Identity UDFs used (pipeline/identity/udf.ts): bidui_id, bidui_name, bidui_date, bidui_month, bidui_code.
 */
export interface NormalisePlan {
  /** Statements to run in order; they create `<stage>_norm` and `<stage>_err`. */
  statements: string[];
  /** INSERT of the rows without errors into the feed table. */
  insertRows: string;
  insertQuarantine: string;
  insertFindings: string;
  /** Required fields whose column is absent from the file: the batch fails. */
  missingRequired: FieldSpec[];
}

/** A text cell as the value to normalise: trimmed, empty → NULL. */
const cell = (col: string) => `nullif(trim(${col}), '')`;

export function planNormalise(args: {
  spec: FeedSpec;
  stage: string;
  mapping: Map<string, string>;
  headers: string[];
  batchId: number;
  dateBase1904: boolean;
}): NormalisePlan {
  const { spec, stage, mapping, headers, batchId, dateBase1904 } = args;
  const s = (suffix: string) => ident(`${stage}_${suffix}`);
  const src = (key: string) => {
    const h = mapping.get(key);
    return h === undefined ? 'NULL::VARCHAR' : cell(`t.${ident(h)}`);
  };
  const missingRequired = spec.fields.filter((f) => f.required && !mapping.has(f.key));

  const kinds = (type: string) => spec.fields.filter((f) => f.kind.type === type && mapping.has(f.key));
  const lookupValues = (fields: FieldSpec[]) =>
    fields.map((f) => `SELECT DISTINCT ${src(f.key)} AS v FROM ${ident(stage)} t`).join(' UNION ');

  const statements: string[] = [];
  const joins: string[] = [];
  const nameFields = kinds('name');
  if (nameFields.length) {
    statements.push(
      `CREATE OR REPLACE TEMP TABLE ${s('names')} AS SELECT v, bidui_name(v) AS f FROM (${lookupValues(nameFields)}) WHERE v IS NOT NULL`,
    );
    for (const f of nameFields) joins.push(`LEFT JOIN ${s('names')} ${ident('n_' + f.key)} ON ${ident('n_' + f.key)}.v = ${src(f.key)}`);
  }
  const dateFields = kinds('date');
  if (dateFields.length) {
    statements.push(
      `CREATE OR REPLACE TEMP TABLE ${s('dates')} AS SELECT v, bidui_date(v, ${dateBase1904}) AS f FROM (${lookupValues(dateFields)}) WHERE v IS NOT NULL`,
    );
    for (const f of dateFields) joins.push(`LEFT JOIN ${s('dates')} ${ident('d_' + f.key)} ON ${ident('d_' + f.key)}.v = ${src(f.key)}`);
  }
  const monthFields = kinds('month');
  if (monthFields.length) {
    statements.push(
      `CREATE OR REPLACE TEMP TABLE ${s('months')} AS SELECT v, bidui_month(v) AS f FROM (${lookupValues(monthFields)}) WHERE v IS NOT NULL`,
    );
    for (const f of monthFields) joins.push(`LEFT JOIN ${s('months')} ${ident('m_' + f.key)} ON ${ident('m_' + f.key)}.v = ${src(f.key)}`);
  }
  const codeFields = kinds('code');
  if (codeFields.length) {
    const sets = codeFields.map(
      (f) => `SELECT DISTINCT ${lit(f.kind.type === 'code' ? f.kind.set : '')} AS set_name, ${src(f.key)} AS v FROM ${ident(stage)} t`,
    );
    statements.push(
      `CREATE OR REPLACE TEMP TABLE ${s('codes')} AS SELECT set_name, v, bidui_code(set_name, v) AS f FROM (${sets.join(' UNION ')}) WHERE v IS NOT NULL`,
    );
    for (const f of codeFields) {
      const a = ident('c_' + f.key);
      const set = f.kind.type === 'code' ? f.kind.set : '';
      joins.push(`LEFT JOIN ${s('codes')} ${a} ON ${a}.set_name = ${lit(set)} AND ${a}.v = ${src(f.key)}`);
    }
  }

  // The ID of a disability record may come from its certificate number (the first 18 characters).
  const idSource = (f: FieldSpec) =>
    spec.feed === 'disability' && f.key === 'id_number' && mapping.has('certificate_no')
      ? `coalesce(${src('id_number')}, left(${src('certificate_no')}, 18))`
      : src(f.key);
  const numericFlag = (f: FieldSpec) => {
    const h = mapping.get(f.key);
    return h === undefined
      ? 'false'
      : `coalesce(contains(${lit(NUMERIC_SEP)} || t.numeric_cols || ${lit(NUMERIC_SEP)}, ${lit(NUMERIC_SEP + h + NUMERIC_SEP)}), false)`;
  };

  const select: string[] = ['t.src_row', 't.src_line', `to_json(struct_pack(${headers.map((h) => `${ident(h)} := t.${ident(h)}`).join(', ')})) AS raw`];
  const errors: string[] = [];
  const findings: string[] = [];
  const out = (name: string) => ident(name);

  for (const f of spec.fields) {
    const k = f.key;
    const present = mapping.has(k);
    switch (f.kind.type) {
      case 'text':
        select.push(`${src(k)} AS ${out(k)}`);
        break;
      case 'name': {
        const n = ident('n_' + k);
        select.push(`${src(k)} AS ${out(k)}`);
        for (const [col, field] of [
          ['_norm', 'norm'],
          ['_simplified', 'simplified'],
          ['_pinyin', 'pinyin'],
          ['_pinyin_alts', 'pinyin_alts'],
          ['_surname', 'surname'],
          ['_given', 'given'],
          ['_tokens', 'tokens'],
        ] as const)
          select.push(present ? `${n}.f.${field} AS ${out(k + col)}` : `NULL AS ${out(k + col)}`);
        break;
      }
      case 'id': {
        const idv = present || (spec.feed === 'disability' && mapping.has('certificate_no')) ? `bidui_id(${idSource(f)}, ${numericFlag(f)})` : 'bidui_id(NULL::VARCHAR, false)';
        select.push(`${idv} AS ${out(k + '$')}`);
        findings.push(`SELECT src_row, src_line, ${lit(k)} AS field, unnest(${out(k + '$')}.issues) AS code FROM ${s('norm')}`);
        break;
      }
      case 'date': {
        const d = ident('d_' + k);
        select.push(present ? `${d}.f.date AS ${out(k)}` : `NULL::DATE AS ${out(k)}`);
        if (present) select.push(`${d}.f.error AS ${out(k + '$error')}`, `${src(k)} AS ${out(k + '$value')}`);
        if (present) errors.push(`SELECT src_row, src_line, ${lit(k)} AS field, ${out(k + '$error')} AS reason, 'value "' || ${out(k + '$value')} || '"' AS detail FROM ${s('norm')} WHERE ${out(k + '$error')} IS NOT NULL`);
        break;
      }
      case 'month': {
        const m = ident('m_' + k);
        select.push(present ? `${m}.f.month AS ${out(k)}` : `NULL::VARCHAR AS ${out(k)}`);
        if (present) select.push(`${m}.f.error AS ${out(k + '$error')}`, `${src(k)} AS ${out(k + '$value')}`);
        if (present) errors.push(`SELECT src_row, src_line, ${lit(k)} AS field, ${out(k + '$error')} AS reason, 'value "' || ${out(k + '$value')} || '"' AS detail FROM ${s('norm')} WHERE ${out(k + '$error')} IS NOT NULL`);
        break;
      }
      case 'region': {
        const v = `regexp_replace(translate(${src(k)}, '０１２３４５６７８９', '0123456789'), '\\s', '', 'g')`;
        select.push(`${v} AS ${out(k)}`);
        errors.push(`SELECT src_row, src_line, ${lit(k)} AS field, 'INVALID_REGION_CODE' AS reason, 'value "' || ${out(k)} || '"' AS detail FROM ${s('norm')} WHERE ${out(k)} IS NOT NULL AND NOT regexp_full_match(${out(k)}, '\\d{6}(\\d{3}|\\d{6})?')`);
        break;
      }
      case 'code': {
        const c = ident('c_' + k);
        select.push(present ? `${c}.f.code AS ${out(k)}` : `NULL::VARCHAR AS ${out(k)}`);
        if (f.kind.subtype) select.push(present ? `${c}.f.subtype AS ${out(k + '_subtype')}` : `NULL::VARCHAR AS ${out(k + '_subtype')}`);
        if (present) select.push(`${c}.f.error AS ${out(k + '$error')}`, `${src(k)} AS ${out(k + '$value')}`);
        if (present) errors.push(`SELECT src_row, src_line, ${lit(k)} AS field, 'INVALID_CODE' AS reason, 'value "' || ${out(k + '$value')} || '": ' || ${out(k + '$error')} AS detail FROM ${s('norm')} WHERE ${out(k + '$error')} IS NOT NULL`);
        break;
      }
    }
  }

  statements.push(`CREATE OR REPLACE TEMP TABLE ${s('norm')} AS SELECT ${select.join(',\n  ')}\nFROM ${ident(stage)} t\n${joins.join('\n')}`);

  const requiredErrors = spec.fields
    .filter((f) => f.required && mapping.has(f.key))
    .map(
      (f) =>
        `SELECT src_row, src_line, ${lit(f.key)} AS field, 'MISSING_REQUIRED' AS reason, 'required field is empty' AS detail FROM ${ident(stage)} t WHERE ${src(f.key)} IS NULL`,
    );
    statements.push(
    `CREATE OR REPLACE TEMP TABLE ${s('err')} AS ${[...requiredErrors, ...errors].join('\nUNION ALL\n') || 'SELECT NULL::INTEGER AS src_row, NULL::INTEGER AS src_line, NULL AS field, NULL AS reason, NULL AS detail WHERE false'}`,
  );

  // Derived and cross-checked columns of the stored row.
  const stored: string[] = [`${batchId} AS batch_id`, 'n.src_row', 'n.src_line', 'n.raw'];
  for (const f of spec.fields) {
    const k = f.key;
    if (f.kind.type === 'id') {
      const v = `n.${out(k + '$')}`;
      stored.push(
        `${v}.id AS ${out(k)}`,
        `${v}.valid AS ${out(k + '_valid')}`,
        `${v}.damaged AS ${out(k + '_damaged')}`,
        `${v}.issues AS ${out(k + '_issues')}`,
        `${v}.birth_date AS ${out(k + '_birth_date')}`,
        `${v}.gender AS ${out(k + '_gender')}`,
        `${v}.region AS ${out(k + '_region')}`,
        `${v}.region_current AS ${out(k + '_region_current')}`,
      );
    } else if (f.kind.type === 'region') {
      stored.push(`n.${out(k)}`, `left(n.${out(k)}, 6) AS ${out(k + '_county')}`);
    } else if (f.kind.type === 'name') {
      for (const c of ['', '_norm', '_simplified', '_pinyin', '_pinyin_alts', '_surname', '_given', '_tokens']) stored.push(`n.${out(k + c)}`);
    } else if ((k === 'gender' || k === 'birth_date') && spec.fields.some((x) => x.key === 'id_number')) {
      // Derived from the ID when the column is empty (only a valid ID is trusted for this).
      const fromId = `CASE WHEN n."id_number$".valid THEN n."id_number$".${k === 'gender' ? 'gender' : 'birth_date'} END`;
      stored.push(`coalesce(n.${out(k)}, ${fromId}) AS ${out(k)}`);
    } else {
      stored.push(`n.${out(k)}`);
      if (f.kind.type === 'code' && f.kind.subtype) stored.push(`n.${out(k + '_subtype')}`);
    }
  }
  const hasPersonId = spec.fields.some((x) => x.key === 'id_number');
  if (hasPersonId) {
    findings.push(
      `SELECT src_row, src_line, 'birth_date', 'BIRTH_DATE_CONTRADICTS_ID' FROM ${s('norm')} WHERE "id_number$".valid AND birth_date IS NOT NULL AND birth_date <> "id_number$".birth_date`,
      `SELECT src_row, src_line, 'gender', 'GENDER_CONTRADICTS_ID' FROM ${s('norm')} WHERE "id_number$".valid AND gender IS NOT NULL AND gender <> "id_number$".gender`,
    );
  }
  if (spec.feed === 'disability' && mapping.has('certificate_no')) {
    const cert = `nullif(trim(json_extract_string(raw, ${lit('$."' + mapping.get('certificate_no')! + '"')})), '')`;
    findings.push(
      `SELECT src_row, src_line, 'certificate_no', 'CERTIFICATE_FORMAT' FROM ${s('norm')} WHERE ${cert} IS NOT NULL AND length(${cert}) <> 20`,
      `SELECT src_row, src_line, 'certificate_no', 'CERTIFICATE_ID_MISMATCH' FROM ${s('norm')} WHERE length(${cert}) = 20 AND "id_number$".id IS NOT NULL AND upper(left(${cert}, 18)) <> "id_number$".id`,
      `SELECT src_row, src_line, 'certificate_no', 'CERTIFICATE_TYPE_MISMATCH' FROM ${s('norm')} WHERE length(${cert}) = 20 AND disability_type IS NOT NULL AND substr(${cert}, 19, 1) <> disability_type`,
      `SELECT src_row, src_line, 'certificate_no', 'CERTIFICATE_LEVEL_MISMATCH' FROM ${s('norm')} WHERE length(${cert}) = 20 AND level IS NOT NULL AND substr(${cert}, 20, 1) <> level`,
    );
  }

  const columns = stored.map((x) => x.replace(/^.* AS /, '').replace(/^n\./, ''));
  return {
    statements,
    missingRequired,
    insertRows: `INSERT INTO ${spec.table} (${columns.join(', ')})
      SELECT ${stored.join(',\n  ')} FROM ${s('norm')} n ANTI JOIN ${s('err')} e ON e.src_row = n.src_row`,
    insertQuarantine: `INSERT INTO quarantine SELECT ${batchId}, e.src_row, e.src_line, e.field, e.reason, e.detail, n.raw::VARCHAR
      FROM ${s('err')} e JOIN ${s('norm')} n ON n.src_row = e.src_row`,
    insertFindings: findings.length
      ? `INSERT INTO findings SELECT ${batchId}, f.* FROM (${findings.join('\nUNION ALL\n')}) f ANTI JOIN ${s('err')} e ON e.src_row = f.src_row`
      : 'SELECT 1',
  };
}
