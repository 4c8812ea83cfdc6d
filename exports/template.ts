// Output templates as data: the files the bureau sends to the national system (全国儿童福利信息系统)
// and to provincial systems (e.g. 浙里护苗) are described by JSON files in exports/templates/ —
// which flags and statuses go in, the columns with their headers, code mappings and value
// formats, the sheet and file names, the notes sheet. One zod schema validates them; adding a
// province is adding a file. TEMPLATES.md documents the format.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FLAG_STATUSES, FLAG_TYPES, REASON_LABELS } from '../flags/index.js';
import { UserError } from '../review/index.js';

/** The category codes a template may map (RULES.md §1; a subtype as CATEGORY:SUBTYPE). */
const CATEGORY_CODES = ['ORPHAN', 'ORPHAN:SCATTERED', 'ORPHAN:INSTITUTION', 'DE_FACTO', 'DIFFICULTY', 'DIFFICULTY_SELF', 'DIFFICULTY_FAMILY', 'LEFT_BEHIND', 'HIV'];

/**
 * What a column can hold: a value of the flag (or of the run), named once here; `codes` maps the
 * coded ones. The vocabulary of each coded field is checked when the template loads.
 */
export const TEMPLATE_FIELDS = {
  seq: { zh: '序号（从 1 起）' },
  flag: { zh: '标记类型', codes: FLAG_TYPES as readonly string[] },
  name: { zh: '儿童姓名' },
  id_number: { zh: '身份证号（18 位，文本）' },
  gender: { zh: '性别（由身份证号得出）', codes: ['M', 'F'] },
  birth_date: { zh: '出生日期（由身份证号得出）' },
  county_code: { zh: '区县区划代码' },
  county_name: { zh: '区县名称' },
  category: { zh: '保障类别（退出：退出的类别）', codes: CATEGORY_CODES },
  previous_category: { zh: '原保障类别（仅类别变更）', codes: CATEGORY_CODES },
  reason: { zh: '变动原因', codes: Object.keys(REASON_LABELS) },
  effective_from: { zh: '生效日期' },
  overpaid_months: { zh: '多发月数（仅退出）' },
  overpaid_amount: { zh: '多发金额，元（仅退出）' },
  decided_by: { zh: '最近一次审核决定的作出人' },
  decided_at: { zh: '最近一次审核决定的日期' },
  status: { zh: '审核状态', codes: FLAG_STATUSES as readonly string[] },
  child_ref: { zh: '名册儿童编号' },
  run_id: { zh: '比对批次' },
  as_of: { zh: '数据截止日期' },
  flag_id: { zh: '标记编号' },
} as const satisfies Record<string, { zh: string; codes?: readonly string[] }>;
export type TemplateField = keyof typeof TEMPLATE_FIELDS;

/** Value formats: text cells (format @ in XLSX), whole numbers, amounts in 元 with two decimals, dates by a pattern of YYYY, MM, DD. */
export const VALUE_FORMATS = ['text', 'integer', 'amount', 'date'] as const;

const fileName = z
  .string()
  .min(1)
  .regex(/^[^\\/:*?"<>|]+$/, '文件名不能含 \\ / : * ? " < > |')
  .refine((s) => s.includes('{run}') && s.includes('{county}'), '文件名须含 {run} 和 {county}（同一文件夹中不同批次、区划的文件不会互相覆盖）');

const column = z
  .strictObject({
    header: z.string().min(1),
    /** The value: a field of the flag, or a constant text (`value`). */
    field: z.enum(Object.keys(TEMPLATE_FIELDS) as [TemplateField, ...TemplateField[]]).optional(),
    value: z.string().optional(),
    format: z.enum(VALUE_FORMATS).default('text'),
    /** For `date`: e.g. YYYY-MM-DD, YYYYMMDD, YYYY年MM月DD日. */
    datePattern: z.string().regex(/YYYY/, '日期格式须含 YYYY').default('YYYY-MM-DD'),
    /** Code → text written; codes not listed are written as `otherCodes` says. */
    codes: z.record(z.string(), z.string()).optional(),
    otherCodes: z.enum(['label', 'code', 'empty']).default('label'),
    /** Written instead of a reason that tells a criminal record, for a requester without the need-to-know grant. */
    restricted: z.string().optional(),
    /** Column width in characters (a Chinese character counts about 2). */
    width: z.number().positive().max(100).default(14),
  })
  .superRefine((c, ctx) => {
    if ((c.field === undefined) === (c.value === undefined)) ctx.addIssue({ code: 'custom', message: '每列须有 field（取值字段）或 value（固定文字）之一，且只能有一个', path: ['field'] });
    const known = c.field ? (TEMPLATE_FIELDS[c.field] as { codes?: readonly string[] }).codes : undefined;
    if (c.codes && !known) ctx.addIssue({ code: 'custom', message: `字段 ${c.field ?? '(value)'} 没有代码，不能设置 codes`, path: ['codes'] });
    if (c.codes && known) for (const k of Object.keys(c.codes)) if (!known.includes(k)) ctx.addIssue({ code: 'custom', message: `未知代码 ${k}；可用：${known.join('、')}`, path: ['codes', k] });
    if (c.format === 'date' && c.field && !['birth_date', 'effective_from', 'decided_at', 'as_of'].includes(c.field)) ctx.addIssue({ code: 'custom', message: `字段 ${c.field} 不是日期，不能用 date 格式`, path: ['format'] });
    if ((c.format === 'integer' || c.format === 'amount') && !(c.field && ['seq', 'overpaid_months', 'overpaid_amount'].includes(c.field))) {
      ctx.addIssue({ code: 'custom', message: `字段 ${c.field ?? '(value)'} 不是数值，不能用 ${c.format} 格式`, path: ['format'] });
    }
  });
export type TemplateColumn = z.infer<typeof column>;

const fileSpec = z.discriminatedUnion('format', [
  z.strictObject({
    format: z.literal('xlsx'),
    /** Who opens the file: people (ID numbers as text cells), or a system's importer. */
    purpose: z.enum(['people', 'import']),
    suffix: z.string().default(''),
  }),
  z.strictObject({
    format: z.literal('csv'),
    purpose: z.enum(['people', 'import']),
    encoding: z.enum(['gb18030', 'utf-8', 'utf-8-bom']).default('gb18030'),
    suffix: z.string().default(''),
  }),
]);

export const templateSchema = z.strictObject({
  /** Must equal the file's name without .json; written in the notes sheet and the audit log. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, '模板名只能含小写字母、数字和 -'),
  /** national: the national system; provincial: a province's system. */
  system: z.enum(['national', 'provincial']),
  title: z.string().min(1),
  description: z.string().default(''),
  /** The default template of its system (`bidui export national` without --template). */
  default: z.boolean().default(false),
  rows: z.strictObject({
    /** The flag types that go in, in the order the file lists them (then by county, then flag id). */
    flags: z.array(z.enum(FLAG_TYPES)).min(1),
    /** The review statuses that go in (flags/status.ts). */
    statuses: z.array(z.enum(FLAG_STATUSES)).min(1),
  }),
  /** File name without extension; {run} and {county} are replaced. */
  fileName,
  files: z.array(fileSpec).min(1),
  sheet: z.string().min(1).max(31).regex(/^[^\\/?*[\]:]+$/, 'XLSX 工作表名不能含 \\ / ? * [ ] :'),
  columns: z.array(column).min(1),
  /** The notes sheet (说明): item and text; placeholders {title} {name} {run} {asOf} {county} {rows} {countsByFlag} {by} {time}. */
  notesSheet: z.string().min(1).max(31).default('说明'),
  notes: z.array(z.tuple([z.string(), z.string()])).default([]),
});
export type Template = z.infer<typeof templateSchema>;

/** The folder of the shipped templates, from the source tree or from dist/exports/ (JSON is not compiled). */
export function templatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = resolve(dir, 'exports/templates');
    if (existsSync(candidate)) return candidate;
    if (basename(dir) === 'exports' && existsSync(resolve(dir, 'templates'))) return resolve(dir, 'templates');
    dir = dirname(dir);
  }
  throw new UserError('找不到随软件提供的导出模板文件夹（exports/templates）');
}

function issuePath(path: readonly PropertyKey[], data: unknown): string {
  let s = '';
  let node: unknown = data;
  for (const p of path) {
    s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[p] : undefined;
    if (typeof p === 'number' && node && typeof node === 'object' && typeof (node as { header?: unknown }).header === 'string') s += `（${(node as { header: string }).header}）`;
  }
  return s || '（整个文件）';
}

/** Parses and checks one template file; a broken file is a UserError naming the file and each key. */
export function parseTemplate(text: string, file: string): Template {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError(`导出模板 ${file} 不是有效的 JSON：${(e as Error).message}`);
  }
  const r = templateSchema.safeParse(data, { error: z.locales.zhCN().localeError });
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${issuePath(i.path, data)}：${i.message}`);
    throw new UserError(`导出模板 ${file} 有误：\n${lines.join('\n')}`);
  }
  const t = r.data;
  const own = basename(file).replace(/\.json$/, '');
  if (file.endsWith('.json') && t.name !== own) throw new UserError(`导出模板 ${file} 有误：\n  name：应与文件名一致（${own}），实为 ${t.name}`);
  const headers = new Set<string>();
  for (const [i, c] of t.columns.entries()) {
    if (headers.has(c.header)) throw new UserError(`导出模板 ${file} 有误：\n  columns[${i}]（${c.header}）.header：列名重复`);
    headers.add(c.header);
  }
  return t;
}

/** Every template of the shipped folder, by name (sorted); a broken file is an error. */
export function listTemplates(dir = templatesDir()): Template[] {
  const all = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseTemplate(readFileSync(resolve(dir, f), 'utf8'), resolve(dir, f)));
  for (const system of ['national', 'provincial'] as const) {
    const defaults = all.filter((t) => t.system === system && t.default).map((t) => t.name);
    if (defaults.length > 1) throw new UserError(`导出模板文件夹 ${dir} 中有多个${system === 'national' ? '全国' : '省级'}系统的默认模板（default: true）：${defaults.join('、')}；只能有一个`);
  }
  return all;
}

/**
 * A template by name (a file of the shipped folder) or by path to a .json file; without a name,
 * the default template of `system`.
 */
export function loadTemplate(nameOrPath: string | null | undefined, system?: Template['system']): Template {
  if (nameOrPath && (nameOrPath.endsWith('.json') || nameOrPath.includes('/') || isAbsolute(nameOrPath))) {
    const file = resolve(nameOrPath);
    if (!existsSync(file)) throw new UserError(`找不到导出模板文件 ${file}`);
    return checkSystem(parseTemplate(readFileSync(file, 'utf8'), file), system);
  }
  const all = listTemplates();
  if (nameOrPath) {
    const t = all.find((x) => x.name === nameOrPath);
    if (!t) throw new UserError(`没有名为 ${nameOrPath} 的导出模板；可用：${all.map((x) => x.name).join('、')}`);
    return checkSystem(t, system);
  }
  const candidates = all.filter((x) => x.system === system);
  const t = candidates.find((x) => x.default) ?? candidates[0];
  if (!t) throw new UserError(`没有${system === 'provincial' ? '省级' : '全国'}系统的导出模板`);
  return t;
}

function checkSystem(t: Template, system: Template['system'] | undefined): Template {
  if (system && t.system !== system) throw new UserError(`导出模板 ${t.name} 是${t.system === 'national' ? '全国' : '省级'}系统的模板，不能用于${system === 'national' ? '全国' : '省级'}系统的导出`);
  return t;
}
