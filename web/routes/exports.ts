// Exports: the page /exports, POST /api/exports (files of the user's area, audited) and
// GET /api/exports/:auditId/download (only one's own files, only from the export folder).
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { Hono } from 'hono';
import { openFileBytes, SEALED_FILE_SUFFIX } from '../../pipeline/seal/index.js';
import { storeKeys } from '../../pipeline/store/index.js';
import { exportChoice, exportChoices, purposeLabel, runExport, type ExportChoice } from '../../exports/index.js';
import { randomToken } from '../auth.js';
import { ctxOf, pageUser, type Ctx, type Env } from '../context.js';
import { WebError } from '../errors.js';
import { exportsPage } from '../pages.js';
import { canSeeRestricted } from '../privacy.js';
import { exportAuditIds, exportFileOf } from '../queries/audit.js';
import { runFor, scopedRuns } from '../queries/runs.js';
import { inScope, scopePrefixes } from '../roles.js';
import { auditIdParam, exportBody } from '../schemas.js';
import { json, params } from '../validate.js';

/** The area codes a user may export: its counties, its cities' prefixes; an admin also everything (''). */
function exportAreas(ctx: Ctx): string[] {
  const p = scopePrefixes(ctx.user, ctx.roles);
  if (p === 'all') return ['', ...ctx.user.areas.map((a) => a.replace(/(00)+$/, ''))];
  return p;
}

export const exportRoutes = new Hono<Env>();

exportRoutes.get('/exports', async (c) => {
  const ctx = ctxOf(c);
  return c.html(exportsPage(pageUser(c), await scopedRuns(ctx), exportAreas(ctx), exportChoices()));
});

exportRoutes.post('/api/exports', json(exportBody), async (c) => {
  const ctx = ctxOf(c);
  const b = c.req.valid('json');
  let choice: ExportChoice;
  try {
    choice = exportChoice(b.kind);
  } catch {
    throw new WebError(400, '未知的导出内容');
  }
  const allowed = exportAreas(ctx);
  const county = b.county ?? (allowed.length === 1 ? allowed[0]! : undefined);
  if (county === undefined) throw new WebError(400, '请选择区划');
  if (county === '' ? scopePrefixes(ctx.user, ctx.roles) !== 'all' : !inScope(ctx.user, ctx.roles, county)) throw new WebError(404, '该区划不在您的管辖区域内');
  const run = await runFor(ctx, b.runId);
  if (!run) throw new WebError(404, '没有可导出的比对批次');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const outDir = join(c.get('web').exportDir, ctx.user.username.replace(/[^\p{L}\p{N}_.-]/gu, '_'), `${stamp}-${randomToken(4)}`);
  const result = await runExport(ctx.db, choice.kind, { runId: run.runId, county: county || null, outDir, by: ctx.user.username, needToKnow: canSeeRestricted(ctx), template: choice.template });
  // Each file is audited under its name before sealing (exports/): the download finds the sealed file beside it.
  const plain = (f: { path: string }) => (f.path.endsWith(SEALED_FILE_SUFFIX) ? f.path.slice(0, -SEALED_FILE_SUFFIX.length) : f.path);
  const idOf = await exportAuditIds(ctx, result.files.map(plain));
  return c.json({
    ok: true,
    kind: result.kind,
    runId: result.runId,
    county: result.county,
    files: result.files.map((f) => ({ name: basename(f.path, SEALED_FILE_SUFFIX), format: f.format, rows: f.rows, purpose: purposeLabel(f), url: `/api/exports/${idOf.get(plain(f))}/download` })),
  });
});

exportRoutes.get('/api/exports/:auditId/download', params(auditIdParam), async (c) => {
  const ctx = ctxOf(c);
  const exportDir = c.get('web').exportDir;
  const target = await exportFileOf(ctx, c.req.valid('param').auditId);
  const path = target ? resolve(target) : null;
  const rel = path ? relative(exportDir, path) : '..';
  // The export is stored sealed (runExport); the person who made it downloads it open.
  const sealed = path + SEALED_FILE_SUFFIX;
  if (!path || rel.startsWith('..') || rel.startsWith(sep) || !(existsSync(sealed) || existsSync(path))) throw new WebError(404, '找不到该导出文件');
  const name = basename(path);
  const bytes = existsSync(sealed) ? openFileBytes(storeKeys(ctx.db), sealed) : readFileSync(path);
  return new Response(new Uint8Array(bytes), {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(bytes.length),
      'Content-Disposition': `attachment; filename="export${name.slice(name.lastIndexOf('.'))}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'Cache-Control': 'no-store',
    },
  });
});
