// What every request of the web review queue works with: the app's settings (set once per app by
// middleware), the signed-in session, and the per-request context the queries take.
import { join } from 'node:path';
import type { Context } from 'hono';
import type { Db } from '../pipeline/store/index.js';
import type { LoginLimits, Session } from './auth.js';
import { WebError } from './errors.js';
import type { Role, RoleSettings, User } from './roles.js';

import type { SlaSettings } from '../flags/index.js';
export { DEFAULT_SLA, type SlaSettings } from '../flags/index.js';

/** The settings of one app (createApp), the same for every request. */
export interface WebConfig {
  db: Db;
  roles: Readonly<Record<Role, RoleSettings>>;
  sla: SlaSettings;
  limits: LoginLimits;
  /** Where exports are written (absolute). */
  exportDir: string;
  today: () => string;
  secureCookies: boolean;
}

export type Env = { Variables: { web: WebConfig; session: Session | null } };

/** A query's view of the request: the store, the signed-in user, role settings, SLA and today. */
export interface Ctx {
  db: Db;
  user: User;
  roles: Readonly<Record<Role, RoleSettings>>;
  sla: SlaSettings;
  /** Today, 'YYYY-MM-DD' (tests fix it). */
  today: string;
}

/** The signed-in user's context (401 without a session; the guards in app.ts catch that first). */
export function ctxOf(c: Context<Env>): Ctx {
  const s = c.get('session');
  if (!s) throw new WebError(401, '请先登录');
  const { db, roles, sla, today } = c.get('web');
  return { db, user: s.user, roles, sla, today: today() };
}

/** What the page layout shows of the signed-in user (and the CSRF token of its forms). */
export interface PageUser {
  user: User;
  csrf: string;
  /** The role loads the feeds (RoleSettings.loadsData): the navigation shows the data page. */
  loadsData?: boolean;
}

export function pageUser(c: Context<Env>): PageUser {
  const s = c.get('session');
  if (!s) throw new WebError(401, '请先登录');
  return { user: s.user, csrf: s.csrfToken, loadsData: c.get('web').roles[s.user.role].loadsData };
}

/** A fresh folder of the user's own under the app's export folder (the download route serves files only from there). */
export function userExportDir(c: Context<Env>, username: string, token: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join(c.get('web').exportDir, username.replace(/[^\p{L}\p{N}_.-]/gu, '_'), `${stamp}-${token}`);
}

/** The client's address (node-server's socket), for the login rate limit and the audit log. */
export function ipOf(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'local';
}
