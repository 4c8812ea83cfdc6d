// The web review queue as one hono app: middleware (one request at a time on the store's
// connection, security headers, settings and session, CSRF and origin), then the route modules,
// one per page family. createApp is what `bidui serve` runs (server.ts) and what the tests call
// with app.request().
import { resolve } from 'node:path';
import { Hono } from 'hono';
import type { Db } from '../pipeline/store/index.js';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits } from './auth.js';
import { DEFAULT_SLA, type Env, type SlaSettings, type WebConfig } from './context.js';
import { notFound, onError } from './errors.js';
import { csrf } from './middleware/csrf.js';
import { securityHeaders } from './middleware/headers.js';
import { serialize } from './middleware/serial.js';
import { apiSession, pageSession, session } from './middleware/session.js';
import { DEFAULT_ROLE_SETTINGS, ROLES, type Role, type RoleSettings } from './roles.js';
import { audit } from './routes/audit.js';
import { auth } from './routes/auth.js';
import { dashboard } from './routes/dashboard.js';
import { data } from './routes/data.js';
import { exportRoutes } from './routes/exports.js';
import { flags } from './routes/flags.js';
import { PREVIEW_PATH, previewRoutes } from './routes/preview.js';
import { queue } from './routes/queue.js';
import { staticFiles } from './routes/static.js';

export interface AppOptions {
  /** Where exports are written (one folder per user and time). Default data/exports/web. */
  exportDir?: string;
  sla?: Partial<SlaSettings>;
  /** Role settings (need-to-know grant, approval, audit reading); defaults: DEFAULT_ROLE_SETTINGS. */
  roles?: Partial<Record<Role, Partial<RoleSettings>>>;
  loginLimits?: Partial<LoginLimits>;
  /** Set the Secure flag on cookies (behind HTTPS). Default false. */
  secureCookies?: boolean;
  /** Today as 'YYYY-MM-DD' (tests). Default: the server's local date. */
  today?: () => string;
}

/** The pages that send a browser without a session to the login page. */
const PAGES = ['/', '/queue', '/flags/*', '/dashboard', '/audit', '/exports', '/data', PREVIEW_PATH];

export function createApp(db: Db, options: AppOptions = {}) {
  const web: WebConfig = {
    db,
    roles: Object.fromEntries(ROLES.map((r) => [r, { ...DEFAULT_ROLE_SETTINGS[r], ...options.roles?.[r] }])) as Record<Role, RoleSettings>,
    sla: { ...DEFAULT_SLA, ...options.sla },
    limits: { ...DEFAULT_LOGIN_LIMITS, ...options.loginLimits },
    exportDir: resolve(options.exportDir ?? 'data/exports/web'),
    today: options.today ?? (() => new Date().toLocaleDateString('sv-SE')),
    secureCookies: options.secureCookies ?? false,
  };

  const app = new Hono<Env>();
  app.use(serialize(), securityHeaders, session(web), csrf);
  app.use('/api/*', apiSession);
  for (const p of PAGES) app.use(p, pageSession);
  app.onError(onError);
  app.notFound(notFound);

  app.route('/static', staticFiles);
  app.route('/', auth);
  app.route('/', queue);
  app.route('/', flags);
  app.route('/', dashboard);
  app.route('/', audit);
  app.route('/', exportRoutes);
  app.route('/', previewRoutes);
  app.route('/', data);
  return app;
}
