import { join } from 'node:path';
import { normalizeId } from '../pipeline/identity/index.js';
import { queryRows, type Db } from '../pipeline/store/index.js';
import { categoryLabel, parseEvidence, type FlagRecord } from '../flags/index.js';
import { sql } from '../pipeline/store/index.js';
import { countyPart, exportReasonLabel, loadRunFlags, prepareExport, writeSheetExport, type ExportOptions, type ExportResult } from './common.js';
import { addNotesSheet, addSheet, newWorkbook, safeFilePart, type Cell, type ColumnSpec } from './files.js';

export const EDUCATION_TEMPLATE_VERSION = 'education-v1';

export const EDUCATION_COLUMNS: readonly ColumnSpec[] = [
  { key: 'name', header: '姓名', width: 12, text: true },
  { key: 'id_number', header: '身份证号', width: 22, text: true },
  { key: 'gender', header: '性别', width: 6, text: true },
  { key: 'birth_date', header: '出生日期', width: 12, text: true },
  { key: 'county', header: '户籍地区划代码', width: 16, text: true },
  { key: 'category', header: '保障类别', width: 18, text: true },
  { key: 'situation', header: '情形', width: 10, text: true },
  { key: 'school', header: '学校名称', width: 28, text: true },
  { key: 'run_id', header: '比对批次', width: 14, text: true },
];

/**
 * School names of the enrollment records in the flags' evidence, from their feed_enrollment
 * rows (batch_id, src_row).
 */
async function schoolNames(db: Db, flags: readonly FlagRecord[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const wanted = new Map<string, { flagId: string; batch: number; row: number }[]>();
  for (const f of flags) {
    for (const e of parseEvidence(f.evidence)) {
      if (e.feed !== 'enrollment') continue;
      const k = `${e.batch_id}:${e.src_row}`;
      wanted.set(k, [...(wanted.get(k) ?? []), { flagId: f.flag_id, batch: e.batch_id, row: e.src_row }]);
    }
  }
  if (wanted.size === 0) return out;
  const values = [...wanted.values()].map((v) => `(${v[0]!.batch}, ${v[0]!.row})`).join(', ');
  const rows = await queryRows<{ batch_id: number; src_row: number; school_name: string | null }>(
    db,
    `SELECT e.batch_id, e.src_row, e.school_name FROM feed_enrollment e
       JOIN (VALUES ${values}) AS w(batch_id, src_row) ON e.batch_id = w.batch_id AND e.src_row = w.src_row`,
  );
  for (const r of rows) {
    if (!r.school_name) continue;
    for (const w of wanted.get(`${r.batch_id}:${r.src_row}`) ?? []) if (!out.has(w.flagId)) out.set(w.flagId, r.school_name);
  }
  return out;
}

/**
 * The education bureau's list (控辍保学): the EDUCATION flags of the run that a reviewer has
 * not rejected (pending, confirmed or needing information), as XLSX and GB18030 CSV.
 */
export async function exportEducation(db: Db, opts: ExportOptions): Promise<ExportResult> {
  const ctx = await prepareExport(db, opts);
  const flags = await loadRunFlags(db, ctx, sql`flag = 'EDUCATION' AND status <> 'rejected'`);
  const schools = await schoolNames(db, flags);
  const rows: Record<string, Cell>[] = flags.map((f) => {
    const id = f.child_id_number?.trim() || null;
    const parsed = id ? normalizeId(id) : null;
    return {
      name: f.child_name,
      id_number: parsed?.id ?? id,
      gender: parsed?.gender === 'M' ? '男' : parsed?.gender === 'F' ? '女' : null,
      birth_date: parsed?.birthDate ?? null,
      county: f.county_code,
      category: categoryLabel(f.category),
      situation: exportReasonLabel(ctx, f.reason),
      school: schools.get(f.flag_id) ?? null,
      run_id: f.run_id,
    };
  });

  const base = join(ctx.outDir, `控辍保学名单_${safeFilePart(ctx.run.runId)}_${countyPart(ctx)}`);
  const wb = newWorkbook();
  addSheet(wb, { name: '控辍保学名单', columns: EDUCATION_COLUMNS, rows });
  addNotesSheet(wb, [
    ['名单名称', '控辍保学名单（民政部门保障儿童中的未入学、辍学儿童）'],
    ['模板版本', EDUCATION_TEMPLATE_VERSION],
    ['比对批次', ctx.run.runId],
    ['数据截止日期', ctx.run.asOf],
    ['区划范围', ctx.county ?? '全部'],
    ['记录数', String(rows.length)],
    ['情形说明', '未入学：义务教育年龄段在保儿童无学籍记录；辍学：学籍状态为辍学'],
    ['导出人', ctx.by],
    ['注意', '本名单含个人信息，仅限控辍保学工作使用，不得公开'],
  ]);
  return writeSheetExport(db, ctx, 'education', EDUCATION_TEMPLATE_VERSION, base, wb, EDUCATION_COLUMNS, rows);
}
