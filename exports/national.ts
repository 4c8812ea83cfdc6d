import { beijingTime } from '../pipeline/timing.js';
import { join } from 'node:path';
import type { Db } from '../pipeline/store/index.js';
import { CHANGE_TYPE_LABELS, CONFIRMED_STATUSES, NEEDS_APPROVAL } from '../flags/index.js';
import { sql, textList } from '../pipeline/store/index.js';
import { countyPart, exportReasonLabel, loadRunFlags, prepareExport, writeSheetExport, type ExportOptions, type ExportResult } from './common.js';
import { addNotesSheet, addSheet, newWorkbook, safeFilePart } from './files.js';
import { NATIONAL_FLAGS, NATIONAL_TEMPLATE_NAME, NATIONAL_TEMPLATE_VERSION, NATIONAL_V1_COLUMNS, nationalV1Row } from './templates/national-v1.js';

/**
 * The file for the national child welfare information system: one row per confirmed ADD or
 * RECLASSIFY flag of the run (latest decision confirmed, or approved) and per approved REMOVE
 * (four-eyes: confirmed by a reviewer, then approved by another user, a supervisor), as XLSX and
 * GB18030 CSV. Each file gets its audit_log row.
 */
export async function exportNational(db: Db, opts: ExportOptions): Promise<ExportResult> {
  const ctx = await prepareExport(db, opts);
  // Four-eyes: a REMOVE a reviewer confirmed is awaiting approval, not confirmed, until a supervisor approves it.
  const flags = await loadRunFlags(
    db,
    ctx,
    sql`flag IN (SELECT unnest(${textList(NATIONAL_FLAGS)})) AND status IN (SELECT unnest(${textList(CONFIRMED_STATUSES)}))`,
  );
  const order = (flag: string) => NATIONAL_FLAGS.indexOf(flag as (typeof NATIONAL_FLAGS)[number]);
  flags.sort((a, b) => order(a.flag) - order(b.flag) || (a.county_code ?? '').localeCompare(b.county_code ?? '') || a.flag_id.localeCompare(b.flag_id));
  const rows = flags.map((f) => ({ ...nationalV1Row(f), reason: exportReasonLabel(ctx, f.reason) }));

  const base = join(ctx.outDir, `全国儿童福利信息系统_变动_${safeFilePart(ctx.run.runId)}_${countyPart(ctx)}`);
  const wb = newWorkbook();
  addSheet(wb, { name: '变动名单', columns: NATIONAL_V1_COLUMNS, rows });
  const count = (flag: keyof typeof CHANGE_TYPE_LABELS) => flags.filter((f) => f.flag === flag).length;
  addNotesSheet(wb, [
    ['模板名称', NATIONAL_TEMPLATE_NAME],
    ['模板版本', NATIONAL_TEMPLATE_VERSION],
    ['比对批次', ctx.run.runId],
    ['数据截止日期', ctx.run.asOf],
    ['区划范围', ctx.county ?? '全部'],
    ['记录数', `${rows.length}（新增 ${count('ADD')}，退出 ${count('REMOVE')}，类别变更 ${count('RECLASSIFY')}）`],
    ['收录范围', '仅收录审核结论为"已确认"的新增、类别变更标记，以及经主管复核（"已复核"）的退出标记'],
    ['导出人', ctx.by],
    ['导出时间', beijingTime()],
    ['注意', '身份证号为文本格式，请勿转换为数字；本文件含个人信息，仅限审核人员使用'],
  ]);
  return writeSheetExport(db, ctx, 'national', NATIONAL_TEMPLATE_VERSION, base, wb, NATIONAL_V1_COLUMNS, rows);
}
