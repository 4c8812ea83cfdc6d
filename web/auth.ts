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

export interface LoginLimits {
  /** Failed attempts per user name within the window before logins are refused. */
  maxFailuresPerUser: number;
  /** Failed attempts per client address within the window. */
  maxFailuresPerIp: number;
  windowMinutes: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxFailuresPerUser: 5, maxFailuresPerIp: 20, windowMinutes: 15 };

export type LoginResult = { ok: true; user: User } | { ok: false; reason: 'rate_limited' | 'bad_credentials' };

/** Checks a login, rate-limited per user name and per address; records the attempt. */
export async function checkLogin(db: Db, username: string, password: string, ip: string, limits: LoginLimits): Promise<LoginResult> {
  const counts = await queryOne(
    db,
    z.object({ by_user: z.number(), by_ip: z.number() }),
    sql`SELECT count(*) FILTER (WHERE username = ${username})::INTEGER AS by_user, count(*) FILTER (WHERE ip = ${ip})::INTEGER AS by_ip
          FROM login_attempts WHERE NOT success AND attempted_at > now() - to_minutes(${Math.trunc(limits.windowMinutes)}::INTEGER)`,
  );
  if ((counts?.by_user ?? 0) >= limits.maxFailuresPerUser || (counts?.by_ip ?? 0) >= limits.maxFailuresPerIp) {
    return { ok: false, reason: 'rate_limited' };
  }
  const row = await queryOne(db, userRowSchema, sql`SELECT ${USER_COLUMNS} FROM users WHERE username = ${username}`);
  const ok = row && row.active ? await verifyPassword(password, row.password_hash) : (await verifyPassword(password, await dummyPasswordHash()), false);
  await exec(db, sql`INSERT INTO login_attempts VALUES (now(), ${username}, ${ip}, ${!!ok})`);
  return ok && row ? { ok: true, user: toUser(row) } : { ok: false, reason: 'bad_credentials' };
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
