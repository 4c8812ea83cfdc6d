// Accounts, password hashes (scrypt), sessions and the login rate limit of the web review queue.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { lit, queryRows, type Db } from '../pipeline/store/index.js';
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

interface UserRow {
  username: string;
  role: Role;
  areas: string[];
  display_name: string | null;
  password_hash: string;
  active: boolean;
}

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
  const existing = await queryRows(db, `SELECT 1 FROM users WHERE username = ${lit(username)}`);
  if (existing.length && !opts.replace) throw new UserError(`用户 ${username} 已存在`);
  const hash = await hashPassword(input.password);
  const areaList = `[${areas.map(lit).join(', ')}]::VARCHAR[]`;
  const display = input.displayName?.trim() ? lit(input.displayName.trim()) : 'NULL';
  if (existing.length) {
    await db.run(
      `UPDATE users SET role = ${lit(input.role)}, areas = ${areaList}, password_hash = ${lit(hash)}, display_name = ${display}, active = true, updated_at = now()
        WHERE username = ${lit(username)}`,
    );
    await db.run(`DELETE FROM sessions WHERE username = ${lit(username)}`);
  } else {
    await db.run(
      `INSERT INTO users (username, role, areas, password_hash, display_name, active, created_at)
       VALUES (${lit(username)}, ${lit(input.role)}, ${areaList}, ${lit(hash)}, ${display}, true, now())`,
    );
  }
  return { username, role: input.role, areas, displayName: input.displayName?.trim() || null };
}

export async function listUsers(db: Db): Promise<(User & { active: boolean })[]> {
  const rows = await queryRows<UserRow>(db, `SELECT username, role, areas, display_name, password_hash, active FROM users ORDER BY role, username`);
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
  const [counts] = await queryRows<{ by_user: number; by_ip: number }>(
    db,
    `SELECT count(*) FILTER (WHERE username = ${lit(username)})::INTEGER AS by_user, count(*) FILTER (WHERE ip = ${lit(ip)})::INTEGER AS by_ip
       FROM login_attempts WHERE NOT success AND attempted_at > now() - INTERVAL ${Math.trunc(limits.windowMinutes)} MINUTE`,
  );
  if ((counts?.by_user ?? 0) >= limits.maxFailuresPerUser || (counts?.by_ip ?? 0) >= limits.maxFailuresPerIp) {
    return { ok: false, reason: 'rate_limited' };
  }
  const rows = await queryRows<UserRow>(db, `SELECT username, role, areas, display_name, password_hash, active FROM users WHERE username = ${lit(username)}`);
  const row = rows[0];
  const ok = row && row.active ? await verifyPassword(password, row.password_hash) : (await verifyPassword(password, await dummyPasswordHash()), false);
  await db.run(`INSERT INTO login_attempts VALUES (now(), ${lit(username)}, ${lit(ip)}, ${ok ? 'true' : 'false'})`);
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
  await db.run(`DELETE FROM sessions WHERE expires_at < now()`);
  await db.run(
    `INSERT INTO sessions VALUES (${lit(sha256(token))}, ${lit(username)}, ${lit(csrfToken)}, now(), now(), now() + INTERVAL ${SESSION_MAX_HOURS} HOUR, ${lit(ip)})`,
  );
  return { token, csrfToken };
}

/** The session of a cookie value, if it exists, has not expired and was used within the idle time. */
export async function loadSession(db: Db, token: string | undefined): Promise<Session | null> {
  if (!token || token.length > 200) return null;
  const hash = sha256(token);
  const rows = await queryRows<UserRow & { csrf_token: string }>(
    db,
    `SELECT u.username, u.role, u.areas, u.display_name, u.password_hash, u.active, s.csrf_token
       FROM sessions s JOIN users u USING (username)
      WHERE s.session_hash = ${lit(hash)} AND s.expires_at > now() AND s.last_seen > now() - INTERVAL ${SESSION_IDLE_MINUTES} MINUTE AND u.active`,
  );
  const r = rows[0];
  if (!r) return null;
  await db.run(`UPDATE sessions SET last_seen = now() WHERE session_hash = ${lit(hash)}`);
  return { user: toUser(r), csrfToken: r.csrf_token, sessionHash: hash };
}

export async function deleteSession(db: Db, sessionHash: string): Promise<void> {
  await db.run(`DELETE FROM sessions WHERE session_hash = ${lit(sessionHash)}`);
}
