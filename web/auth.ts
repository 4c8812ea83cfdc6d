// Accounts, password hashes (scrypt), sessions and the login rate limit of the web review queue.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { exec, queryAll, queryOne, sql, textList, type Db } from '../pipeline/store/index.js';
import { UserError } from '../review/index.js';
import { areaError, ROLES, type Role, type User } from './roles.js';

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** scrypt cost: N = 2^15, r = 8, p = 1 (about 32 MB and tens of milliseconds per hash). */
const SCRYPT = { N: 1 << 15, r: 8, p: 1 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, 32, { ...SCRYPT, maxmem: 128 * SCRYPT.N * SCRYPT.r * 2 });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const N = Number(n);
  const R = Number(r);
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64'), expected.length, { N, r: R, p: Number(p), maxmem: 128 * N * R * 2 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A password hash that never matches, to spend the same time on an unknown user name. */
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(12).toString('hex'));
  return dummyHash;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url');

const userRowSchema = z.object({
  username: z.string(),
  role: z.enum(ROLES),
  areas: z.array(z.string()).nullable(),
  display_name: z.string().nullable(),
  password_hash: z.string(),
  active: z.boolean(),
});
type UserRow = z.infer<typeof userRowSchema>;
const USER_COLUMNS = sql`username, role, areas, display_name, password_hash, active`;

function toUser(r: UserRow): User {
  return { username: r.username, role: r.role, areas: [...(r.areas ?? [])], displayName: r.display_name };
}

export interface AddUserInput {
  username: string;
  role: Role;
  areas: string[];
  password: string;
  displayName?: string | null;
}

export const MIN_PASSWORD_LENGTH = 8;

/** Adds (or, with replace, updates) an account. Area codes are checked against the role. */
export async function addUser(db: Db, input: AddUserInput, opts: { replace?: boolean } = {}): Promise<User> {
  const username = input.username.trim();
  if (!/^[\p{L}\p{N}_.@-]{2,40}$/u.test(username)) throw new UserError(`用户名 "${username}" 无效：2–40 个字符，可用汉字、字母、数字和 _ . @ -`);
  if (!ROLES.includes(input.role)) throw new UserError(`角色 ${String(input.role)} 无效：应为 reviewer、supervisor 或 admin`);
  const areas = [...new Set(input.areas.map((a) => a.trim()).filter(Boolean))];
  if (input.role !== 'admin' && !areas.length) throw new UserError('请用 --area 指定至少一个区划代码（审核员为区县代码，主管为地市代码）');
  for (const a of areas) {
    const err = areaError(input.role, a);
    if (err) throw new UserError(err);
  }
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new UserError(`密码至少 ${MIN_PASSWORD_LENGTH} 个字符`);
  const existing = await queryOne(db, z.object({ one: z.number() }), sql`SELECT 1 AS one FROM users WHERE username = ${username}`);
  if (existing && !opts.replace) throw new UserError(`用户 ${username} 已存在`);
  const hash = await hashPassword(input.password);
  const display = input.displayName?.trim() || null;
  if (existing) {
    await exec(
      db,
      sql`UPDATE users SET role = ${input.role}, areas = ${textList(areas)}, password_hash = ${hash}, display_name = ${display}::VARCHAR, active = true, updated_at = now()
           WHERE username = ${username}`,
    );
    await exec(db, sql`DELETE FROM sessions WHERE username = ${username}`);
  } else {
    await exec(
      db,
      sql`INSERT INTO users (username, role, areas, password_hash, display_name, active, created_at)
          VALUES (${username}, ${input.role}, ${textList(areas)}, ${hash}, ${display}::VARCHAR, true, now())`,
    );
  }
  return { username, role: input.role, areas, displayName: input.displayName?.trim() || null };
}

export async function listUsers(db: Db): Promise<(User & { active: boolean })[]> {
  const rows = await queryAll(db, userRowSchema, sql`SELECT ${USER_COLUMNS} FROM users ORDER BY role, username`);
  return rows.map((r) => ({ ...toUser(r), active: r.active }));
}

/**
 * The login throttle. Nobody can lock another user out: failures count per (address, user name),
 * so a stranger guessing a user's password from elsewhere slows only their own address down.
 * - Per (address, user name): the first `freeFailures` failures cost nothing; each further one makes
 *   that address wait `backoffBaseSeconds` × 2^(failures − freeFailures), at most `backoffMaxSeconds`,
 *   after its last failure. A success from that address starts the count again; failures older than
 *   `memoryHours` are forgotten.
 * - Per address (any user names): `maxFailuresPerIp` failures within `windowMinutes` make it wait
 *   until the oldest of them leaves the window (password spraying).
 * A refused attempt is not checked and not counted (it is audited), so waiting out the time works.
 */
export interface LoginLimits {
  freeFailures: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  memoryHours: number;
  maxFailuresPerIp: number;
  windowMinutes: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  freeFailures: 5,
  backoffBaseSeconds: 30,
  backoffMaxSeconds: 15 * 60,
  memoryHours: 24,
  maxFailuresPerIp: 20,
  windowMinutes: 15,
};

export type LoginResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'bad_credentials' }
  | { ok: false; reason: 'rate_limited'; scope: 'user_ip' | 'ip'; waitSeconds: number };

/** The wait before this address may try this user name again (0: none), and why. */
export async function loginWait(db: Db, username: string, ip: string, limits: LoginLimits): Promise<{ waitSeconds: number; scope: 'user_ip' | 'ip' } | null> {
  // Ages in milliseconds against now() as the column stores it (TIMESTAMP, the session's time zone).
  const pair = await queryOne(
    db,
    z.object({ k: z.number(), last_age_ms: z.number().nullable() }),
    sql`WITH a AS (SELECT * FROM login_attempts WHERE username = ${username} AND ip = ${ip}
                     AND attempted_at > CAST(now() AS TIMESTAMP) - to_hours(${Math.trunc(limits.memoryHours)}::INTEGER)),
             s AS (SELECT max(attempted_at) AS t FROM a WHERE success)
        SELECT count(*)::INTEGER AS k,
               CAST(date_diff('millisecond', max(attempted_at), CAST(now() AS TIMESTAMP)) AS DOUBLE) AS last_age_ms
          FROM a WHERE NOT success AND attempted_at > coalesce((SELECT t FROM s), TIMESTAMP '1970-01-01')`,
  );
  let pairWait = 0;
  if (pair && pair.k >= limits.freeFailures && pair.last_age_ms !== null) {
    const backoff = Math.min(limits.backoffMaxSeconds, limits.backoffBaseSeconds * 2 ** (pair.k - limits.freeFailures));
    pairWait = Math.ceil(backoff - pair.last_age_ms / 1000);
  }
  const ipAges = await queryAll(
    db,
    z.object({ age_ms: z.number() }),
    sql`SELECT CAST(date_diff('millisecond', attempted_at, CAST(now() AS TIMESTAMP)) AS DOUBLE) AS age_ms FROM login_attempts
         WHERE ip = ${ip} AND NOT success AND attempted_at > CAST(now() AS TIMESTAMP) - to_minutes(${Math.trunc(limits.windowMinutes)}::INTEGER)
         ORDER BY attempted_at DESC LIMIT ${Math.trunc(limits.maxFailuresPerIp)}`,
  );
  let ipWait = 0;
  if (ipAges.length >= limits.maxFailuresPerIp) {
    // When the oldest of the last maxFailuresPerIp failures leaves the window, one more try is allowed.
    ipWait = Math.ceil(limits.windowMinutes * 60 - ipAges.at(-1)!.age_ms / 1000);
  }
  if (pairWait <= 0 && ipWait <= 0) return null;
  return pairWait >= ipWait ? { waitSeconds: pairWait, scope: 'user_ip' } : { waitSeconds: ipWait, scope: 'ip' };
}

/** Checks a login, throttled per (address, user name) and per address (LoginLimits); records the attempt. */
export async function checkLogin(db: Db, username: string, password: string, ip: string, limits: LoginLimits): Promise<LoginResult> {
  const wait = await loginWait(db, username, ip, limits);
  if (wait) return { ok: false, reason: 'rate_limited', ...wait };
  const row = await queryOne(db, userRowSchema, sql`SELECT ${USER_COLUMNS} FROM users WHERE username = ${username}`);
  const ok = row && row.active ? await verifyPassword(password, row.password_hash) : (await verifyPassword(password, await dummyPasswordHash()), false);
  await exec(db, sql`INSERT INTO login_attempts VALUES (now(), ${username}, ${ip}, ${!!ok})`);
  return ok && row ? { ok: true, user: toUser(row) } : { ok: false, reason: 'bad_credentials' };
}

/** A wait in Chinese: 45 秒, 2 分钟, 1 分 30 秒. */
export function waitText(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} 秒`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  return r ? `${m} 分 ${r} 秒` : `${m} 分钟`;
}

export interface Session {
  user: User;
  csrfToken: string;
  sessionHash: string;
}

export const SESSION_IDLE_MINUTES = 120;
export const SESSION_MAX_HOURS = 12;

/** Creates a session; returns the cookie value (only its hash is stored). */
export async function createSession(db: Db, username: string, ip: string): Promise<{ token: string; csrfToken: string }> {
  const token = randomToken();
  const csrfToken = randomToken();
  await exec(db, sql`DELETE FROM sessions WHERE expires_at < now()`);
  await exec(
    db,
    sql`INSERT INTO sessions VALUES (${sha256(token)}, ${username}, ${csrfToken}, now(), now(), now() + to_hours(${SESSION_MAX_HOURS}::INTEGER), ${ip})`,
  );
  return { token, csrfToken };
}

/** The session of a cookie value, if it exists, has not expired and was used within the idle time. */
export async function loadSession(db: Db, token: string | undefined): Promise<Session | null> {
  if (!token || token.length > 200) return null;
  const hash = sha256(token);
  const r = await queryOne(
    db,
    userRowSchema.extend({ csrf_token: z.string() }),
    sql`SELECT u.username, u.role, u.areas, u.display_name, u.password_hash, u.active, s.csrf_token
          FROM sessions s JOIN users u USING (username)
         WHERE s.session_hash = ${hash} AND s.expires_at > now() AND s.last_seen > now() - to_minutes(${SESSION_IDLE_MINUTES}::INTEGER) AND u.active`,
  );
  if (!r) return null;
  await exec(db, sql`UPDATE sessions SET last_seen = now() WHERE session_hash = ${hash}`);
  return { user: toUser(r), csrfToken: r.csrf_token, sessionHash: hash };
}

export async function deleteSession(db: Db, sessionHash: string): Promise<void> {
  await exec(db, sql`DELETE FROM sessions WHERE session_hash = ${sessionHash}`);
}
