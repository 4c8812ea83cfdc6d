// The list for the education bureau (将符合义务教育阶段入学要求的适龄儿童数据推送至同级教育部门):
// every registered active child of compulsory-school age at the run, with the latest school record
// the linkage found for it (学段, 年级, 学校, guardians), and its EDUCATION flag where one exists.
import { join } from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../config/index.js';
import { categoryLabel, RESTRICTED_CATEGORIES, statusLabel, type FlagRecord } from '../flags/index.js';
import { RuleContext } from '../rules/index.js';
import { codeLabel, regionInfo } from '../pipeline/identity/index.js';
import { queryAll, sql, textList, type Db } from '../pipeline/store/index.js';
import { beijingTime } from '../pipeline/timing.js';
import { countyPart, exportReasonLabel, loadRunFlags, prepareExport, writeSheetExport, type ExportOptions, type ExportResult } from './common.js';
import { addNotesSheet, addSheet, newWorkbook, safeFilePart, type Cell, type ColumnSpec } from './files.js';

export const EDUCATION_TEMPLATE_VERSION = 'education-v2';

export const EDUCATION_COLUMNS: readonly ColumnSpec[] = [
  { key: 'name', header: '姓名', width: 12, text: true },
  { key: 'id_number', header: '身份证号', width: 22, text: true },
  { key: 'gender', header: '性别', width: 6, text: true },
  { key: 'birth_date', header: '出生日期', width: 12, text: true },
  { key: 'age', header: '年龄', width: 6 },
  { key: 'county', header: '户籍地区划代码', width: 16, text: true },
  { key: 'county_name', header: '区县', width: 12, text: true },
  { key: 'category', header: '保障类别', width: 18, text: true },
  { key: 'enrollment_status', header: '学籍状态', width: 10, text: true },
  { key: 'level', header: '学段', width: 8, text: true },
  { key: 'grade', header: '年级', width: 8, text: true },
  { key: 'school', header: '学校名称', width: 28, text: true },
  { key: 'school_code', header: '学校标识码', width: 14, text: true },
  { key: 'enrollment_as_of', header: '学籍数据日期', width: 12, text: true },
  { key: 'guardian1', header: '监护人一', width: 12, text: true },
  { key: 'guardian1_relation', header: '监护人一关系', width: 12, text: true },
  { key: 'guardian2', header: '监护人二', width: 12, text: true },
  { key: 'guardian2_relation', header: '监护人二关系', width: 12, text: true },
  { key: 'situation', header: '控辍保学情形', width: 12, text: true },
  { key: 'flag_status', header: '标记审核状态', width: 12, text: true },
  { key: 'flag_id', header: '标记编号', width: 20, text: true },
  { key: 'run_id', header: '比对批次', width: 14, text: true },
];

const rosterRowSchema = z.object({
  person_id: z.string().nullable(),
  child_ref: z.string().nullable(),
  name: z.string().nullable(),
  id_number: z.string().nullable(),
  gender: z.string().nullable(),
  birth_date: z.string(),
  county: z.string().nullable(),
  category: z.string().nullable(),
  enrollment_status: z.string().nullable(),
  level: z.string().nullable(),
  grade: z.string().nullable(),
  school: z.string().nullable(),
  school_code: z.string().nullable(),
  enrollment_as_of: z.string().nullable(),
  guardian1: z.string().nullable(),
  guardian1_relation: z.string().nullable(),
  guardian2: z.string().nullable(),
  guardian2_relation: z.string().nullable(),
});

/**
 * SQL: the run's roster of active children born between `oldest` (exclusive) and `youngest`
 * (inclusive), of the run's registry batches (a child ref's latest row is its registration, as
 * rules/gather.ts reads it), each with its latest enrollment record at T that the linkage (the
 * `persons` table) ties to the child.
 */
function rosterSql(runId: string, asOf: string, youngest: string, oldest: string, county: string | null, hidden: readonly string[], linked: boolean) {
  // Before any linkage (no persons table) no school record can be tied to a child.
  const persons = linked ? sql`persons` : sql`(SELECT NULL::INTEGER AS batch_id, NULL::INTEGER AS src_row, NULL::VARCHAR AS role, NULL::VARCHAR AS person_id WHERE FALSE)`;
  const batches = sql`SELECT unnest(input_batches) FROM runs WHERE run_id = ${runId}`;
  return sql`
WITH reg AS (
  SELECT t.*, coalesce(CASE WHEN t.id_number_valid THEN t.id_number_birth_date END, t.birth_date) AS birth,
         coalesce(t.region_code_county, t.id_number_region_current[1], t.id_number_region) AS county
    FROM feed_registry t
   WHERE t.batch_id IN (${batches})
  QUALIFY t.child_ref IS NULL OR row_number() OVER (PARTITION BY t.child_ref ORDER BY t.batch_id DESC, t.src_row DESC) = 1
), kids AS (
  SELECT r.*, p.person_id FROM reg r
    LEFT JOIN ${persons} p ON p.batch_id = r.batch_id AND p.src_row = r.src_row AND p.role = 'child'
   WHERE r.status = 'ACTIVE' AND r.birth <= ${youngest}::DATE AND r.birth > ${oldest}::DATE
     AND starts_with(coalesce(r.county, ''), ${county ?? ''})
     AND NOT list_contains(${textList(hidden)}, r.category)
), school AS (
  SELECT p.person_id, e.* FROM feed_enrollment e
    JOIN ${persons} p ON p.batch_id = e.batch_id AND p.src_row = e.src_row AND p.role = 'subject'
   WHERE e.batch_id IN (${batches}) AND (e.as_of IS NULL OR e.as_of <= ${asOf}::DATE)
     AND p.person_id IN (SELECT person_id FROM kids)
  QUALIFY row_number() OVER (PARTITION BY p.person_id ORDER BY e.as_of DESC NULLS LAST, e.batch_id DESC, e.src_row DESC) = 1
)
SELECT k.person_id, k.child_ref, k.name, k.id_number, coalesce(k.id_number_gender, k.gender) AS gender, CAST(k.birth AS VARCHAR) AS birth_date,
       k.county, CASE WHEN k.category_subtype IS NOT NULL THEN k.category || ':' || k.category_subtype ELSE k.category END AS category,
       s.status AS enrollment_status, s.level, s.grade, s.school_name AS school, s.school_code, CAST(s.as_of AS VARCHAR) AS enrollment_as_of,
       s.guardian1_name AS guardian1, s.guardian1_relation, s.guardian2_name AS guardian2, s.guardian2_relation
  FROM kids k LEFT JOIN school s ON s.person_id = k.person_id
 ORDER BY k.county NULLS LAST, k.id_number NULLS LAST, k.name, k.batch_id, k.src_row`;
}

const minusYears = (iso: string, years: number) => `${String(+iso.slice(0, 4) - years).padStart(4, '0')}${iso.slice(4)}`;

/**
 * The education bureau's list: every registered active child of compulsory-school age (RULES.md
 * §3: `education.minAge` to `maxAge` at the `ageReferenceDay` before T, from the run's rule profile)
 * with its latest school record and its EDUCATION flag of the run, as XLSX (people) and GB18030 CSV
 * (the bureau's importer). Without the need-to-know grant no HIV child is listed.
 */
export async function exportEducation(db: Db, opts: ExportOptions): Promise<ExportResult> {
  const ctx = await prepareExport(db, opts);
  const profile = parseConfig({ profile: (ctx.run.config as { profile?: unknown } | null)?.profile ?? 'national' }).profile;
  const day = new RuleContext(ctx.run.asOf, profile).schoolAgeDay;
  const { minAge, maxAge } = profile.education;
  const hidden = ctx.needToKnow ? [] : RESTRICTED_CATEGORIES;
  const linked = await queryAll(db, z.object({ n: z.number() }), sql`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'persons' AND schema_name = 'main'`);
  const roster = await queryAll(db, rosterRowSchema, rosterSql(ctx.run.runId, ctx.run.asOf, minusYears(day, minAge), minusYears(day, maxAge + 1), ctx.county, hidden, linked[0]!.n > 0));

  // The run's EDUCATION flags (flags/ API), by the registry's child ref, else by person, else by ID number.
  const flags = await loadRunFlags(db, ctx, sql`flag = 'EDUCATION'`);
  const flagOf = new Map<string, FlagRecord>();
  for (const f of flags) {
    if (f.child_ref) flagOf.set(`ref:${f.child_ref}`, f);
    if (f.child_person_id) flagOf.set(`person:${f.child_person_id}`, f);
    if (f.child_id_number) flagOf.set(`id:${f.child_id_number}`, f);
  }
  const flagFor = (r: { child_ref: string | null; person_id: string | null; id_number: string | null }) =>
    (r.child_ref ? flagOf.get(`ref:${r.child_ref}`) : undefined) ?? (r.person_id ? flagOf.get(`person:${r.person_id}`) : undefined) ?? (r.id_number ? flagOf.get(`id:${r.id_number}`) : undefined);
  const label = (set: 'schoolLevel' | 'enrollmentStatus' | 'relation', code: string | null) => (code ? (codeLabel(set, code, null) ?? code) : null);
  const rows: Record<string, Cell>[] = roster.map((r) => {
    const f = flagFor(r);
    const age = +day.slice(0, 4) - +r.birth_date.slice(0, 4) - (r.birth_date.slice(5) > day.slice(5) ? 1 : 0);
    return {
      name: r.name,
      id_number: r.id_number,
      gender: r.gender === 'M' ? '男' : r.gender === 'F' ? '女' : null,
      birth_date: r.birth_date,
      age,
      county: r.county,
      county_name: r.county ? regionInfo(r.county).name : null,
      category: categoryLabel(r.category),
      enrollment_status: label('enrollmentStatus', r.enrollment_status) ?? '无学籍记录',
      level: label('schoolLevel', r.level),
      grade: r.grade,
      school: r.school,
      school_code: r.school_code,
      enrollment_as_of: r.enrollment_as_of,
      guardian1: r.guardian1,
      guardian1_relation: label('relation', r.guardian1_relation),
      guardian2: r.guardian2,
      guardian2_relation: label('relation', r.guardian2_relation),
      situation: f ? exportReasonLabel(ctx, f.reason) : null,
      flag_status: f ? statusLabel(f.status) : null,
      flag_id: f?.flag_id ?? null,
      run_id: ctx.run.runId,
    };
  });
  const flagged = rows.filter((r) => r.flag_id).length;

  const base = join(ctx.outDir, `义务教育适龄儿童名单_${safeFilePart(ctx.run.runId)}_${countyPart(ctx)}`);
  const wb = newWorkbook();
  addSheet(wb, { name: '适龄儿童名单', columns: EDUCATION_COLUMNS, rows });
  addNotesSheet(wb, [
    ['名单名称', '义务教育阶段适龄保障儿童名单（推送同级教育部门）'],
    ['模板版本', EDUCATION_TEMPLATE_VERSION],
    ['比对批次', ctx.run.runId],
    ['数据截止日期', ctx.run.asOf],
    ['区划范围', ctx.county ?? '全部'],
    ['收录范围', `名册中保障状态为“在保”、${day} 时年满 ${minAge} 周岁且未满 ${maxAge + 1} 周岁的儿童（规则配置 education）`],
    ['记录数', `${rows.length}（其中控辍保学标记 ${flagged}：未入学、辍学）`],
    ['学籍信息', '取自比对批次读入的学籍数据中与该儿童匹配的最新一条记录（数据日期不晚于截止日期）；无匹配记录的写“无学籍记录”'],
    ['导出人', ctx.by],
    ['导出时间', beijingTime()],
    ['注意', '本名单含个人信息，仅限控辍保学和入学工作使用，不得公开。查阅请用 XLSX；“_系统导入”CSV 供教育部门系统导入，用 Excel 直接打开会损坏身份证号'],
  ]);
  return writeSheetExport(db, ctx, 'education', EDUCATION_TEMPLATE_VERSION, base, wb, EDUCATION_COLUMNS, rows);
}
