// The login throttle (issue 18 item 10): failures count per (address, user name) with a growing
// back-off, and per address; a stranger's failures never lock the user out of another address.
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lit, openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { addUser, createApp, type AppOptions } from '../../web/index.js';
import { tempDir } from '../helpers.js';

const PASSWORD = 'right-password-1';
let db: Db;
let app: ReturnType<typeof createApp>;

// Every attempt checked costs a scrypt hash: the users are made once, and the tests that need many
// failures lower the limits (the rule is the same).
beforeAll(async () => {
  db = await openStore(':memory:');
  for (const u of ['victim', 'other1', 'other2']) await addUser(db, { username: u, role: 'reviewer', areas: ['440305'], password: PASSWORD });
});
beforeEach(async () => {
  await db.run('DELETE FROM login_attempts');
  withLimits({});
});
const withLimits = (loginLimits: AppOptions['loginLimits']) => {
  app = createApp(db, { exportDir: join(tempDir('bidui-throttle-'), 'exports'), loginLimits });
};

/** One login from an address (node-server's socket address, as the server sees it). */
async function login(username: string, password: string, ip: string): Promise<{ status: number; error?: string; retryAfter: string | null }> {
  const env = { incoming: { socket: { remoteAddress: ip } } };
  const page = await app.request('/login', {}, env);
  const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await app.request(
    '/login',
    { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://localhost', cookie }, body: JSON.stringify({ username, password, _csrf: token }) },
    env,
  );
  const body = (await res.json()) as { error?: string };
  return { status: res.status, error: body.error, retryAfter: res.headers.get('retry-after') };
}

/** Moves every recorded attempt `seconds` into the past (time passing). */
const passTime = (seconds: number) => db.run(`UPDATE login_attempts SET attempted_at = attempted_at - to_seconds(${seconds}::BIGINT)`);

const STRANGER = '203.0.113.9';
const OFFICE = '10.1.2.3';

describe('login throttle', () => {
  it("a stranger's failures do not lock the user out from another address", async () => {
    for (let i = 0; i < 5; i++) await login('victim', 'guess-' + i, STRANGER);
    const blocked = await login('victim', PASSWORD, STRANGER);
    expect(blocked.status).toBe(429); // even the right password, from the stranger's address
    expect((await login('victim', PASSWORD, OFFICE)).status).toBe(200);
  });

  it('backs off per (address, user): 429 with the wait in Chinese and Retry-After; the wait doubles with each further failure', async () => {
    for (let i = 0; i < 5; i++) expect((await login('victim', 'wrong-' + i, STRANGER)).status).toBe(401);
    const first = await login('victim', PASSWORD, STRANGER);
    expect(first.status).toBe(429);
    expect(first.error).toMatch(/请 30 秒后再试/);
    expect(Number(first.retryAfter)).toBe(30);
    // The refused attempt is not counted: after the wait, one more try is allowed.
    await passTime(31);
    expect((await login('victim', 'wrong-6', STRANGER)).status).toBe(401);
    const second = await login('victim', 'wrong-7', STRANGER);
    expect(second.status).toBe(429);
    expect(Number(second.retryAfter)).toBe(60);
    await passTime(61);
    expect((await login('victim', 'wrong-8', STRANGER)).status).toBe(401);
    const third = await login('victim', PASSWORD, STRANGER);
    expect(Number(third.retryAfter)).toBe(120);
    expect(third.error).toMatch(/请 2 分钟后再试/);
    const audit = await queryRows<{ detail: string }>(db, `SELECT CAST(detail AS VARCHAR) AS detail FROM audit_log WHERE actor = 'victim' AND action = 'login' ORDER BY audit_id DESC LIMIT 1`);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ success: false, reason: 'rate_limited', scope: 'user_ip', waitSeconds: 120, ip: STRANGER });
  });

  it('never waits more than the cap (15 minutes by default)', async () => {
    withLimits({ freeFailures: 1, backoffBaseSeconds: 300 });
    await login('victim', 'wrong-1', STRANGER);
    expect(Number((await login('victim', PASSWORD, STRANGER)).retryAfter)).toBe(300);
    for (let i = 0; i < 3; i++) {
      await passTime(16 * 60);
      await login('victim', 'wrong-x' + i, STRANGER);
    }
    const capped = await login('victim', PASSWORD, STRANGER); // 300 × 2^3 = 2400 s, capped
    expect(Number(capped.retryAfter)).toBe(15 * 60);
    expect(capped.error).toMatch(/请 15 分钟后再试/);
  });

  it('a success resets the count of its address', async () => {
    withLimits({ freeFailures: 3 });
    for (let i = 0; i < 2; i++) await login('victim', 'typo-' + i, OFFICE);
    expect((await login('victim', PASSWORD, OFFICE)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login('victim', 'typo-again-' + i, OFFICE)).status).toBe(401);
    expect((await login('victim', PASSWORD, OFFICE)).status).toBe(200);
  });

  it('caps the failures of one address over all user names (password spraying), not the users elsewhere', async () => {
    withLimits({ maxFailuresPerIp: 8 }); // default 20; fewer scrypt hashes
    const names = ['victim', 'other1', 'other2', 'nobody'];
    for (let i = 0; i < 8; i++) expect((await login(names[i % 4]!, 'spray-' + i, STRANGER)).status).toBe(401);
    const sprayed = await login('other2', PASSWORD, STRANGER);
    expect(sprayed.status).toBe(429);
    expect(sprayed.error).toMatch(/本机地址登录失败次数过多/);
    expect(Number(sprayed.retryAfter)).toBeGreaterThan(14 * 60);
    for (const u of ['victim', 'other1', 'other2']) expect((await login(u, PASSWORD, OFFICE)).status).toBe(200);
    await passTime(15 * 60 + 1);
    expect((await login('other2', PASSWORD, STRANGER)).status).toBe(200);
    expect(await queryRows(db, `SELECT 1 FROM login_attempts WHERE ip = ${lit(STRANGER)} AND success`)).toHaveLength(1);
  });
});
