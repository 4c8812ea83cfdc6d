import type { FeedSpec, FieldSpec } from '../pipeline/feeds.js';
import { certificateIdSql, ID_PARTS, idPartSql, idPartsSql, idSql, REGION_TABLE, type IdPart } from '../pipeline/identity/index.js';
import { ident, insertNameFormsSql, lacksNameFormsSql, lit, QUARANTINE_COLUMNS, sealedInsertSql } from '../pipeline/store/index.js';
import { NUMERIC_SEP } from './readers/index.js';

/**
 * SQL that turns a staging table (see readers/types.ts) into stored feed rows, quarantined rows
 * and findings, as a few statements over the whole batch:
 *
 *  1. names the store has not seen get their forms in name_forms (addNames); lookup tables: each
 *     distinct date, month and code is normalised once (JS UDFs);
 *  2. the staging rows plus the ID parts the SQL fast path reuses (stacked projections);
 *  3. `<stage>_err`: one row per (row, field) problem that quarantines the row;
 *  4. the rows without problems are inserted into the feed table straight from a query;
 *  5. quarantine (with the raw row) and findings (data-quality remarks on loaded rows).
 *
 * Needs installIdentity (pipeline/identity) on the connection.
 */
export interface NormalisePlan {
  /**
   * Adds the forms of the names the store has not seen to name_forms, in order and each committed
   * on its own, before the batch's transaction; empty when the feed has no name field. One batch
   * at a time: two batches adding the same new name at once would add it twice.
   */
  addNames: string[];
  /** Run in order before the inserts. */
  statements: string[];
  insertRows: string;
  insertQuarantine: string;
  /** Run after insertRows: reads the stored rows of the batch. */
  insertFindings: string;
}

/** Date fields that may lie in the future (an expected end); every other date after today is a FUTURE_DATE finding. */
const FUTURE_ALLOWED = new Set(['end_date']);

/** The findings this plan adds beside the ID findings (ID_ISSUE_LABELS), in Chinese: `bidui status` shows them. */
export const ROW_FINDING_LABELS: Readonly<Record<string, string>> = {
  BIRTH_DATE_CONTRADICTS_ID: '出生日期与身份证号不符',
  GENDER_CONTRADICTS_ID: '性别与身份证号不符',
  FUTURE_DATE: '日期晚于今天',
  CERTIFICATE_FORMAT: '残疾人证号不是 20 位',
  CERTIFICATE_ID_MISMATCH: '残疾人证号与身份证号不符',
  CERTIFICATE_TYPE_MISMATCH: '残疾人证号中的残疾类别与所填类别不符',
  CERTIFICATE_LEVEL_MISMATCH: '残疾人证号中的残疾等级与所填等级不符',
  DATE_ORDER: '结束日期早于开始日期（如找回日期早于报告日期、退出日期早于纳入日期）',
};

/** The quarantine reasons this plan writes (besides the date errors, DATE_ERROR_LABELS), in Chinese. */
export const NORMALISE_REASON_LABELS: Readonly<Record<string, string>> = {
  MISSING_REQUIRED: '必填项为空',
  INVALID_CODE: '代码无法识别',
  INVALID_REGION_CODE: '行政区划代码格式不对',
  INVALID_DISEASE_CODE: '疾病编码不是 ICD-10 编码',
  INVALID_AMOUNT: '金额不是数字',
};

/** A text cell as the value to normalise: trimmed, empty → NULL. */
const cell = (col: string) => `nullif(trim(${col}), '')`;
const q = (name: string) => ident(name).quoted;

export function planNormalise(args: {
  spec: FeedSpec;
  stage: string;
  mapping: Map<string, string>;
  headers: string[];
  batchId: number;
  dateBase1904: boolean;
}): NormalisePlan {
  const { spec, stage, mapping, headers, batchId, dateBase1904 } = args;
  const table = (suffix: string) => q(`${stage}_${suffix}`);
  const has = (key: string) => mapping.has(key);
  const src = (key: string) => (has(key) ? cell(`t.${q(mapping.get(key)!)}`) : 'NULL::VARCHAR');
  const fields = (type: FieldSpec['kind']['type']) => spec.fields.filter((f) => f.kind.type === type && has(f.key));
  const distinctValues = (fs: FieldSpec[]) => fs.map((f) => `SELECT DISTINCT ${src(f.key)} AS v FROM ${q(stage)} t`).join(' UNION ');

  const statements: string[] = [];
  const joins: string[] = [];
  const lookup = (name: string, fs: FieldSpec[], fn: string, alias: string) => {
    if (!fs.length) return;
    statements.push(`CREATE OR REPLACE TEMP TABLE ${table(name)} AS SELECT v, ${fn} AS f FROM (${distinctValues(fs)}) WHERE v IS NOT NULL`);
    for (const f of fs) joins.push(`LEFT JOIN ${table(name)} ${q(alias + f.key)} ON ${q(alias + f.key)}.v = ${src(f.key)}`);
  };
  // Names: each is computed once for the store, not once per batch (names repeat across files and
  // feeds, and pinyin is the costliest step of an ingest). A name added by a batch that then fails
  // stays until the forms are next recomputed (pipeline/store/name-forms.ts), which keeps only the
  // names some feed row has.
  const nameFields = fields('name');
  const addNames: string[] = [];
  if (nameFields.length) {
    addNames.push(
      `CREATE OR REPLACE TEMP TABLE ${table('names')} AS SELECT v FROM (${distinctValues(nameFields)}) s
       WHERE v IS NOT NULL AND ${lacksNameFormsSql('s.v')}`,
      insertNameFormsSql(table('names')),
    );
  }
  lookup('dates', fields('date'), `bidui_date(v, ${dateBase1904})`, 'd_');
  lookup('months', fields('month'), 'bidui_month(v)', 'm_');
  const codeFields = fields('code');
  if (codeFields.length) {
    const setOf = (f: FieldSpec) => (f.kind.type === 'code' ? f.kind.set : '');
    statements.push(
      `CREATE OR REPLACE TEMP TABLE ${table('codes')} AS SELECT set_name, v, bidui_code(set_name, v) AS f FROM (${codeFields
        .map((f) => `SELECT DISTINCT ${lit(setOf(f))} AS set_name, ${src(f.key)} AS v FROM ${q(stage)} t`)
        .join(' UNION ')}) WHERE v IS NOT NULL`,
    );
    for (const f of codeFields) {
      const a = q('c_' + f.key);
      joins.push(`LEFT JOIN ${table('codes')} ${a} ON ${a}.set_name = ${lit(setOf(f))} AND ${a}.v = ${src(f.key)}`);
    }
  }

  // ID numbers: the SQL fast path for clean values, the bidui_id UDF for the rest. A disability
  // record's ID may come from its certificate number (the first 18 characters).
  const idValues: string[] = [];
  const idDerived: string[] = [];
  const idItems = new Map<string, string[]>();
  for (const f of spec.fields.filter((x) => x.kind.type === 'id')) {
    const fromCertificate = spec.feed === 'disability' && f.key === 'id_number' && has('certificate_no');
    if (!has(f.key) && !fromCertificate) continue;
    const raw = fromCertificate ? `coalesce(${src(f.key)}, left(${src('certificate_no')}, 18))` : src(f.key);
    const header = mapping.get(f.key);
    const numeric =
      header === undefined
        ? 'false'
        : `coalesce(contains(${lit(NUMERIC_SEP)} || t.numeric_cols || ${lit(NUMERIC_SEP)}, ${lit(NUMERIC_SEP + header + NUMERIC_SEP)}), false)`;
    const rg = q('rg_' + f.key);
    const parts = idPartsSql(raw, f.key);
    idValues.push(...parts.value);
    idDerived.push(...parts.derived);
    joins.push(`LEFT JOIN ${REGION_TABLE} ${rg} ON ${rg}.code = substr(t.${q(f.key + '$s')}, 1, 6)`);
    idItems.set(f.key, idSql('t', f.key, raw, numeric, rg));
  }
  const withParts = (items: string[], from: string) => `(SELECT t.*${items.map((p) => ', ' + p).join('')} FROM ${from} t)`;
  const pre = `${withParts(idDerived, withParts(idValues, q(stage)))} t`;

  // The normalised row, as a query over those projections: `<key>$…` columns are intermediate.
  const rawJson = `to_json(struct_pack(${headers.map((h) => `${q(h)} := t.${q(h)}`).join(', ')}))`;
  const select: string[] = ['t.src_row', 't.src_line', `${rawJson} AS raw`];
  const regionValue = (k: string) => `regexp_replace(translate(${src(k)}, '０１２３４５６７８９', '0123456789'), '\\s', '', 'g')`;
  for (const f of spec.fields) {
    const k = f.key;
    const present = has(k);
    const value = (expr: string) => `${present ? expr : 'NULL'} AS ${q(k)}`;
    switch (f.kind.type) {
      case 'text':
      case 'name':
        select.push(`${src(k)} AS ${q(k)}`);
        break;
      case 'id':
        select.push(...(idItems.get(k) ?? []));
        break;
      case 'date':
        select.push(value(`${q('d_' + k)}.f.date`));
        break;
      case 'month':
        select.push(value(`${q('m_' + k)}.f.month`));
        break;
      case 'region':
        select.push(`${regionValue(k)} AS ${q(k)}`);
        break;
      case 'code':
        select.push(value(`${q('c_' + k)}.f.code`));
        if (f.kind.subtype) select.push(`${present ? `${q('c_' + k)}.f.subtype` : 'NULL'} AS ${q(k + '_subtype')}`);
        break;
    }
  }
  const norm = `(SELECT ${select.join(',\n  ')}\nFROM ${pre}\n${joins.join('\n')})`;

  // Errors: required cells that are empty, then values that cannot be interpreted. A value's error
  // is known from its lookup row, so only the (few) values in error are joined back to the rows.
  const row = (field: string, reason: string, detail: string, from: string) =>
    `SELECT t.src_row, t.src_line, ${lit(field)} AS field, ${reason} AS reason, ${detail} AS detail FROM ${q(stage)} t ${from}`;
  const lookupError = (f: FieldSpec, lookupTable: string, reason: (l: string) => string, detail: (l: string) => string, onSet = '') => {
    const l = q('e_' + f.key);
    return row(f.key, reason(l), detail(l), `JOIN (SELECT * FROM ${lookupTable} WHERE f.error IS NOT NULL${onSet}) ${l} ON ${l}.v = ${src(f.key)}`);
  };
  const errors = [
    ...spec.fields.filter((f) => f.required && has(f.key)).map((f) => row(f.key, `'MISSING_REQUIRED'`, `'required field is empty'`, `WHERE ${src(f.key)} IS NULL`)),
    ...fields('date').map((f) => lookupError(f, table('dates'), (l) => `${l}.f.error`, (l) => `'value "' || ${l}.v || '"'`)),
    ...fields('month').map((f) => lookupError(f, table('months'), (l) => `${l}.f.error`, (l) => `'value "' || ${l}.v || '"'`)),
    ...codeFields.map((f) =>
      lookupError(f, table('codes'), () => `'INVALID_CODE'`, (l) => `'value "' || ${l}.v || '": ' || ${l}.f.error`, ` AND set_name = ${lit(f.kind.type === 'code' ? f.kind.set : '')}`),
    ),
    ...spec.fields
      .filter((f) => f.pattern && has(f.key))
      .map((f) => row(f.key, lit(f.pattern!.reason), `'value "' || ${src(f.key)} || '"'`, `WHERE ${src(f.key)} IS NOT NULL AND NOT regexp_full_match(${src(f.key)}, ${lit(f.pattern!.regex)})`)),
    ...fields('region').map((f) => {
      const v = regionValue(f.key);
      return row(f.key, `'INVALID_REGION_CODE'`, `'value "' || ${v} || '"'`, `WHERE ${v} IS NOT NULL AND NOT regexp_full_match(${v}, '\\d{6}(\\d{3}|\\d{6})?')`);
    }),
  ];
  statements.push(
    `CREATE OR REPLACE TEMP TABLE ${table('err')} AS ${
      errors.join('\nUNION ALL\n') || 'SELECT NULL::INTEGER AS src_row, NULL::INTEGER AS src_line, NULL AS field, NULL AS reason, NULL AS detail WHERE false'
    }`,
  );

  // The stored row: ID parts, region county, gender and birth date derived from a valid ID when empty.
  const idPart = (k: string, part: IdPart) => (idItems.has(k) ? idPartSql('n', k, part) : 'NULL');
  const stored: [string, string][] = [
    ['batch_id', String(batchId)],
    ['src_row', 'n.src_row'],
    ['src_line', 'n.src_line'],
    ['raw', 'n.raw'],
  ];
  const hasPersonId = spec.fields.some((x) => x.key === 'id_number');
  for (const f of spec.fields) {
    const k = f.key;
    if (f.kind.type === 'id') for (const part of ID_PARTS) stored.push([part === 'id' ? k : `${k}_${part}`, idPart(k, part)]);
    else if (f.kind.type === 'region') stored.push([k, `n.${q(k)}`], [k + '_county', `left(n.${q(k)}, 6)`]);
    else if ((k === 'gender' || k === 'birth_date') && hasPersonId) {
      const fromId = `CASE WHEN ${idPart('id_number', 'valid')} THEN ${idPart('id_number', k as IdPart)} END`;
      stored.push([k, `coalesce(n.${q(k)}, ${fromId})`]);
    } else {
      stored.push([k, `n.${q(k)}`]);
      if (f.kind.type === 'code' && f.kind.subtype) stored.push([k + '_subtype', `n.${q(k + '_subtype')}`]);
    }
  }
  const insertRows = sealedInsertSql(
    spec.table,
    stored.map(([c]) => c),
    stored.map(([, e]) => e),
    `FROM ${norm} n ANTI JOIN ${table('err')} e ON e.src_row = n.src_row`,
  );

  const insertQuarantine = sealedInsertSql(
    'quarantine',
    QUARANTINE_COLUMNS,
    [String(batchId), 'e.src_row', 'e.src_line', 'e.field', 'e.reason', 'e.detail', `${rawJson}::VARCHAR`],
    `FROM ${table('err')} e JOIN ${q(stage)} t ON t.src_row = e.src_row`,
  );

  // Findings are read back from the stored rows of this batch.
  const mine = `FROM ${spec.table} WHERE batch_id = ${batchId}`;
  const findings = spec.fields
    .filter((f) => f.kind.type === 'id')
    .map((f) => `SELECT src_row, src_line, ${lit(f.key)} AS field, unnest(${q(f.key + '_issues')}) AS code ${mine}`);
  if (hasPersonId) {
    findings.push(
      `SELECT src_row, src_line, 'birth_date', 'BIRTH_DATE_CONTRADICTS_ID' ${mine} AND id_number_valid AND birth_date <> id_number_birth_date`,
      `SELECT src_row, src_line, 'gender', 'GENDER_CONTRADICTS_ID' ${mine} AND id_number_valid AND gender <> id_number_gender`,
    );
  }
  // A date that cannot have happened yet (a death in 9999, a birth in 2030) loads, with a finding.
  // Only an expected end date may lie ahead.
  for (const f of fields('date')) {
    if (FUTURE_ALLOWED.has(f.key)) continue;
    findings.push(`SELECT src_row, src_line, ${lit(f.key)}, 'FUTURE_DATE' ${mine} AND ${q(f.key)} > current_date`);
  }
  if (hasPersonId && !has('birth_date') && spec.fields.some((x) => x.key === 'birth_date')) {
    findings.push(`SELECT src_row, src_line, 'birth_date', 'FUTURE_DATE' ${mine} AND birth_date > current_date`);
  }
  for (const [from, to] of spec.dateOrder ?? []) {
    if (has(from) && has(to)) findings.push(`SELECT src_row, src_line, ${lit(to)}, 'DATE_ORDER' ${mine} AND ${q(to)} < ${q(from)}`);
  }
  if (spec.feed === 'disability' && has('certificate_no')) {
    const c = 'certificate_no';
    // Whether the row's ID column was empty as written (the stored id_number then came from the certificate).
    const idHeader = mapping.get('id_number');
    const idColumnEmpty = idHeader === undefined ? 'true' : `nullif(trim(json_extract_string(raw, ${lit('$.' + JSON.stringify(idHeader))})), '') IS NULL`;
    findings.push(
      `SELECT src_row, src_line, '${c}', 'CERTIFICATE_FORMAT' ${mine} AND ${c} IS NOT NULL AND length(${c}) <> 20`,
      `SELECT src_row, src_line, '${c}', 'CERTIFICATE_ID_MISMATCH' ${mine} AND length(${c}) = 20 AND id_number IS NOT NULL AND upper(left(${c}, 18)) <> id_number`,
      // The subject's ID comes from the certificate number (matchers/mentions.ts reads the same certificateIdSql):
      // the ID column is empty, or invalid, or says another number than the valid ID the certificate carries.
      `SELECT src_row, src_line, 'id_number', 'ID_FROM_CERTIFICATE' FROM (
         SELECT *, CASE WHEN ${c} IS NOT NULL AND (${idColumnEmpty} OR NOT coalesce(id_number_valid, false) OR upper(left(${c}, 18)) IS DISTINCT FROM id_number)
           THEN ${certificateIdSql(c, (id) => `len(bidui_id(${id}, false).region_current) > 0`)} END AS cert_id ${mine})
       WHERE cert_id IS NOT NULL AND (${idColumnEmpty} OR NOT coalesce(id_number_valid, false) OR cert_id IS DISTINCT FROM id_number)`,
      `SELECT src_row, src_line, '${c}', 'CERTIFICATE_TYPE_MISMATCH' ${mine} AND length(${c}) = 20 AND disability_type IS NOT NULL AND substr(${c}, 19, 1) <> disability_type`,
      `SELECT src_row, src_line, '${c}', 'CERTIFICATE_LEVEL_MISMATCH' ${mine} AND length(${c}) = 20 AND level IS NOT NULL AND substr(${c}, 20, 1) <> level`,
    );
  }
  const insertFindings = `INSERT INTO findings SELECT ${batchId}, f.* FROM (${findings.join('\nUNION ALL\n')}) f`;
  return { addNames, statements, insertRows, insertQuarantine, insertFindings };
}
