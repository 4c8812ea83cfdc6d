// The zod schemas of the web review queue's requests (query strings, path parameters, bodies).
import { z } from 'zod';
import { DECISION_KINDS, FLAG_STATUSES, FLAG_TYPES } from '../flags/index.js';
import { AGE_FILTERS, type AgeFilter } from './labels.js';
import { PAGE_SIZES, QUEUE_SORTS } from './queries/queue.js';

export const flagIdSchema = z.string().min(1).max(64).regex(/^[\w.:-]+$/);
const runIdSchema = z.string().min(1).max(64).regex(/^[\w.:-]+$/);
const optionalRun = runIdSchema.nullish();
const areaCode = /^(\d{2}|\d{4}|\d{6})$/;

export const flagParam = z.object({ flagId: flagIdSchema });
export const auditIdParam = z.object({ auditId: z.coerce.number().int().positive() });
export const runQuery = z.object({ run: optionalRun });

export const queueQuery = z.object({
  run: optionalRun,
  flag: z.enum(FLAG_TYPES).optional(),
  category: z.string().regex(/^[A-Z_]{2,30}$/).optional(),
  reason: z.string().regex(/^[A-Z_]{2,40}$/).optional(),
  priority: z.coerce.number().int().min(1).max(9).optional(),
  status: z.enum(FLAG_STATUSES).optional(),
  age: z.enum(Object.keys(AGE_FILTERS) as [AgeFilter, ...AgeFilter[]]).optional(),
  q: z.string().max(60).optional(),
  mine: z.enum(['1', 'true']).optional(),
  sort: z.enum(QUEUE_SORTS).optional(),
  dir: z.enum(['asc', 'desc']).optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional(),
  size: z.coerce
    .number()
    .int()
    .refine((n) => (PAGE_SIZES as readonly number[]).includes(n), `每页条数应为 ${PAGE_SIZES.join('、')} 之一`)
    .optional(),
});
export type QueueQuery = z.infer<typeof queueQuery>;
/** The export of a queue view: the view's query as a JSON body (the page's form posts it). */
export const queueExportBody = queueQuery.omit({ page: true, size: true });

export const decideBody = z.object({
  decision: z.enum(DECISION_KINDS),
  reason: z.string().max(1000).nullish(),
  /** needs_info: the date the material is due (default: flags/status.ts NEEDS_INFO_DAYS from today). */
  dueOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '补充期限应为 YYYY-MM-DD 格式的日期').nullish(),
  runId: optionalRun,
});
/** The answer to a needs-info request: the material received. */
export const answerBody = z.object({ runId: optionalRun, answer: z.string().trim().min(1, '请写明收到的补充材料').max(2000) });
export const approveBody = z.object({ runId: optionalRun, note: z.string().max(1000).nullish() });
export const assignBody = z.object({ runId: optionalRun, release: z.boolean().optional() });
export const bulkBody = z.object({
  flagIds: z.array(flagIdSchema).min(1).max(500),
  decision: z.enum(['confirmed', 'rejected']),
  reason: z.string().max(1000).nullish(),
  runId: optionalRun,
});
export const unmaskBody = z.object({
  runId: optionalRun,
  record: z
    .object({ feed: z.string().regex(/^[a-z_]+$/), batchId: z.number().int().nonnegative(), srcRow: z.number().int().nonnegative(), column: z.string().regex(/^[a-z_0-9]+$/) })
    .nullish(),
});
export const exportBody = z.object({
  /** An export choice (exports/ exportChoices): a template's name or an export kind. */
  kind: z.string().regex(/^[a-z0-9][a-z0-9-]{0,59}$/, '未知的导出内容'),
  runId: optionalRun,
  county: z.string().regex(areaCode, '区划代码应为 6 位区县代码（或 4 位市级、2 位省级前缀）').nullish(),
});
export const auditQuery = z.object({
  actor: z.string().max(60).optional(),
  action: z.enum(['login', 'view', 'unmask', 'decide', 'export', 'retention']).optional(),
  target: z.string().max(200).optional(),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  page: z.coerce.number().int().min(1).max(100_000).optional(),
});
export type AuditQuery = z.infer<typeof auditQuery>;
export const dashboardQuery = z.object({ run: optionalRun, county: z.string().regex(areaCode).optional() });
export const loginBody = z.object({ username: z.string().min(1).max(60), password: z.string().min(1).max(200), _csrf: z.string().max(200).optional() });
