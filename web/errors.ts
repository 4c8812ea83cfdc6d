// Errors of the web review queue: WebError (hono's HTTPException with a Chinese message for the
// user), and the one place that turns any error into a response — JSON for the API and for
// changes, an HTML page otherwise. Unexpected errors are 500s, logged through the redacting logger.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { log } from '../pipeline/log.js';
import { UserError } from '../review/index.js';
import type { Env } from './context.js';
import { errorPage } from './pages.js';

export type WebStatus = 400 | 401 | 403 | 404 | 409 | 429;

/** An HTTP error whose message is meant for the user (Chinese). */
export class WebError extends HTTPException {
  declare readonly status: WebStatus;
  constructor(status: WebStatus, message: string) {
    super(status, { message });
    this.name = 'WebError';
  }
}

/** A zod failure as the user reads it. */
export function zodMessage(err: z.ZodError): string {
  return '请求参数无效：' + err.issues.map((i) => `${i.path.join('.') || '请求'} ${i.message}`).join('；');
}

/** hono's own HTTPExceptions (the validator's, a body limit…) carry English messages. */
function honoMessage(err: HTTPException): string {
  if (err.status === 400 && /json/i.test(err.message)) return '请求内容应为 JSON';
  if (err.status === 400) return '请求参数无效';
  if (err.status === 413) return '请求内容过大';
  return '请求无法处理';
}

const wantsJson = (c: Context) => c.req.path.startsWith('/api/') || c.req.method !== 'GET';

export function onError(err: Error, c: Context<Env>): Response | Promise<Response> {
  let status: ContentfulStatusCode = 500;
  let message = '服务器内部错误';
  if (err instanceof WebError) [status, message] = [err.status, err.message];
  else if (err instanceof UserError) [status, message] = [400, err.message];
  else if (err instanceof HTTPException && err.status < 500) [status, message] = [err.status as ContentfulStatusCode, honoMessage(err)];
  // Only the method and the path: query strings may hold a searched name or ID number.
  if (status === 500) log.error({ err, method: c.req.method, path: c.req.path }, 'web request failed');
  if (wantsJson(c)) return c.json({ error: message }, status);
  const s = c.get('session');
  return c.html(errorPage(s ? { user: s.user, csrf: s.csrfToken } : null, status, message), status);
}

export function notFound(c: Context<Env>): Response | Promise<Response> {
  return c.req.path.startsWith('/api/') ? c.json({ error: '找不到' }, 404) : c.html(errorPage(null, 404, '找不到该页面'), 404);
}
