// The web review queue's API through app.request(): sessions, CSRF, the login rate limit, area
// isolation on every endpoint (two counties of one city, one county of another), four-eyes on
// REMOVE, need-to-know, unmasking and the audit log.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lit, queryRows } from '../../pipeline/store/index.js';
import { appendAudit } from '../../review/index.js';
import { createApp, RESTRICTED } from '../../web/index.js';
import { opened } from '../helpers.js';
import { WebClient } from './client.js';
import { buildFixture, PASSWORD, type WebFixture } from './fixture.js';

let fx: WebFixture;
let app: ReturnType<typeof createApp>;
let exportDir: string;

beforeAll(async () => {
  fx = await buildFixture();
  exportDir = join(fx.dir, 'exports');
  app = createApp(fx.db, { exportDir, today: () => '2026-10-20' });
});

/** A signed-in client of this file's app (tests/web/client.ts), with the fixture's password by default. */
class Client extends WebClient {
  constructor(name: string) {
    super(app, name);
  }
  override login(password = PASSWORD) {
    return super.login(password);
  }
}

async function signedIn(name: string): Promise<Client> {
  const c = new Client(name);
  const res = await c.login();
  expect(res.status).toBe(200);
  return c;
}

const decisionsOf = (flagId: string) => queryRows<{ decision: string; decided_by: string }>(fx.db, `SELECT decision, decided_by FROM decisions WHERE flag_id = ${lit(flagId)} ORDER BY decision_id`);
const auditOf = (where: string) => queryRows<{ actor: string; action: string; target: string | null; detail: string | null }>(fx.db, `SELECT actor, action, target, CAST(detail AS VARCHAR) AS detail FROM audit_log WHERE ${where} ORDER BY audit_id`);

describe('sessions, login and CSRF', () => {
  it('logs in with a login CSRF token, sets an httpOnly SameSite session cookie and audits success and failure', async () => {
    const c = new Client('rev_a');
    const noToken = await c.raw('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'rev_a', password: PASSWORD }) });
    expect(noToken.status).toBe(403);
    expect((await c.login('wrong-password')).status).toBe(401);
    const res = await c.login();
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((x) => x.startsWith('bidui_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const logins = await auditOf(`action = 'login' AND actor = 'rev_a'`);
    expect(logins.map((l) => JSON.parse(l.detail!).success)).toEqual([false, true]);
    // The stored session is a hash, never the cookie value.
    const value = cookie.split(';')[0]!.split('=')[1]!;
    expect(await queryRows(fx.db, `SELECT 1 FROM sessions WHERE session_hash = ${lit(value)}`)).toHaveLength(0);
  });

  it('rate-limits the login after repeated failures, even with the right password', async () => {
    const c = new Client('locked_out');
    for (let i = 0; i < 5; i++) expect((await c.login('nope-nope')).status).toBe(401);
    expect((await c.login()).status).toBe(429);
    const rows = await auditOf(`action = 'login' AND actor = 'locked_out'`);
    expect(JSON.parse(rows.at(-1)!.detail!)).toMatchObject({ success: false, reason: 'rate_limited' });
  });

  it('refuses the API and the pages without a valid session', async () => {
    const anon = new Client('nobody');
    expect((await anon.get('/api/flags')).status).toBe(401);
    const page = await anon.get('/queue');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    anon.cookies.set('bidui_session', 'forged-session-value');
    expect((await anon.get('/api/flags')).status).toBe(401);
    expect((await anon.post('/api/flags/W-A-ADD/decide', { decision: 'confirmed' })).status).toBe(401);
  });

  it('requires the CSRF token and a same-site origin on every change; logout ends the session', async () => {
    const c = await signedIn('rev_a2');
    const body = { decision: 'needs_info', reason: '请补充户籍证明' };
    expect((await c.post('/api/flags/W-A-ADD/decide', body, { 'x-csrf-token': '' })).status).toBe(403);
    expect((await c.post('/api/flags/W-A-ADD/decide', body, { 'x-csrf-token': 'not-the-token' })).status).toBe(403);
    expect((await c.post('/api/flags/W-A-ADD/decide', body, { origin: 'http://evil.example' })).status).toBe(403);
    expect(await decisionsOf('W-A-ADD')).toHaveLength(0);
    expect((await c.post('/api/flags/W-A-ADD/decide', body)).status).toBe(200);
    expect(await decisionsOf('W-A-ADD')).toEqual([{ decision: 'needs_info', decided_by: 'rev_a2' }]);
    expect((await c.post('/logout', {})).status).toBe(200);
    expect((await c.get('/api/flags')).status).toBe(401);
  });

  it('refuses a change with a valid CSRF token but no Origin, Origin null, or a foreign Referer; a same-site Referer will do', async () => {
    const c = await signedIn('rev_a2');
    const before = (await decisionsOf('W-A-ADD')).length;
    const body = { decision: 'needs_info', reason: '请补充监护证明' };
    c.origin = null;
    const none = await c.post('/api/flags/W-A-ADD/decide', body);
    expect(none.status).toBe(403);
    expect(await none.json()).toEqual({ error: '跨站请求被拒绝' });
    expect((await c.post('/api/flags/W-A-ADD/decide', body, { origin: 'null' })).status).toBe(403);
    expect((await c.post('/api/flags/W-A-ADD/decide', body, { referer: 'http://evil.example/queue' })).status).toBe(403);
    expect((await c.post('/api/flags/W-A-ADD/decide', body, { origin: 'null', referer: 'http://localhost/queue' })).status).toBe(403);
    expect(await decisionsOf('W-A-ADD')).toHaveLength(before);
    // The login form too: no Origin, no login.
    const login = new Client('rev_a2');
    login.origin = null;
    expect((await login.login()).status).toBe(403);
    // Without Origin, the Referer of this host is the source.
    expect((await c.post('/api/flags/W-A-ADD/decide', body, { referer: 'http://localhost/flags/W-A-ADD' })).status).toBe(200);
    expect(await decisionsOf('W-A-ADD')).toHaveLength(before + 1);
  });
});

describe('area isolation', () => {
  let a: Client;
  let b: Client;
  beforeAll(async () => {
    a = await signedIn('rev_a');
    b = await signedIn('rev_b');
  });

  it('list: a reviewer sees the flags of its county only; a supervisor those of its city', async () => {
    const ids = async (c: Client) => (await c.json<{ items: { flagId: string; countyCode: string }[] }>('/api/flags')).body.items;
    const la = await ids(a);
    expect(la.map((i) => i.flagId)).toEqual(expect.arrayContaining(['W-A-ADD', 'W-A-REM', fx.realRemove.flagId]));
    expect(la.map((i) => i.flagId)).not.toContain('W-A-HIV'); // need-to-know: not there for a reviewer at all
    expect(new Set(la.map((i) => i.countyCode))).toEqual(new Set([fx.A]));
    expect((await ids(b)).map((i) => i.flagId).sort()).toEqual(['W-B-ADD', 'W-B-REM']);
    const s = await ids(await signedIn('sup_1'));
    expect(new Set(s.map((i) => i.countyCode))).toEqual(new Set([fx.A, fx.B]));
    expect((await ids(await signedIn('sup_x'))).map((i) => i.flagId)).toEqual(['W-C-ADD']);
    const all = await ids(await signedIn('admin'));
    expect(all.map((i) => i.flagId)).toEqual(expect.arrayContaining(['W-A-ADD', 'W-B-ADD', 'W-C-ADD']));
  });

  it('get by id: another county\'s flag answers exactly like a missing one (API and page)', async () => {
    const other = await a.get('/api/flags/W-B-ADD');
    const missing = await a.get('/api/flags/NO-SUCH-FLAG');
    expect(other.status).toBe(404);
    expect(await other.text()).toBe(await missing.text());
    expect((await a.get(`/api/flags/W-B-ADD?run=Q2026-09-30`)).status).toBe(404);
    expect((await a.get('/flags/W-B-ADD')).status).toBe(404);
    expect((await b.get('/api/flags/W-B-ADD')).status).toBe(200);
    expect((await a.get('/api/flags/W-B-ADD/trace')).status).toBe(404);
  });

  it('search: finds by name, child ref or full ID only inside the scope', async () => {
    const q = async (c: Client, s: string) => (await c.json<{ items: { flagId: string }[] }>(`/api/flags?q=${encodeURIComponent(s)}`)).body.items.map((i) => i.flagId);
    expect(await q(b, '李四')).toEqual(['W-B-ADD']);
    expect(await q(a, '李四')).toEqual([]);
    expect(await q(a, fx.ids.bAdd)).toEqual([]);
    expect(await q(a, fx.ids.aAdd)).toEqual(['W-A-ADD']);
  });

  it('decide, bulk, assign, unmask and approve: 404 outside the scope, and nothing is written', async () => {
    expect((await a.post('/api/flags/W-B-ADD/decide', { decision: 'confirmed' })).status).toBe(404);
    const bulk = await a.post('/api/flags/bulk', { flagIds: ['W-A-REM', 'W-B-ADD'], decision: 'rejected', reason: '测试' });
    expect(bulk.status).toBe(404);
    expect(await decisionsOf('W-B-ADD')).toHaveLength(0);
    expect(await decisionsOf('W-A-REM')).toHaveLength(0); // all or nothing
    expect((await a.post('/api/flags/W-B-ADD/assign', {})).status).toBe(404);
    expect((await a.post('/api/flags/W-B-ADD/unmask', {})).status).toBe(404);
    expect((await (await signedIn('sup_x')).post('/api/flags/W-B-REM/approve', {})).status).toBe(404);
    expect(await auditOf(`target = 'W-B-ADD'`)).toEqual([expect.objectContaining({ actor: 'rev_b', action: 'view' })]);
  });

  it('export: only the own county, and its files hold only the own county\'s flags', async () => {
    expect((await a.post('/api/exports', { kind: 'flags', county: fx.B })).status).toBe(404);
    expect((await a.post('/api/exports', { kind: 'flags', county: fx.city })).status).toBe(404);
    expect((await a.post('/api/exports', { kind: 'flags', county: fx.A.slice(0, 4) })).status).toBe(404);
    const res = await a.post('/api/exports', { kind: 'flags' });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { county: string; files: { name: string; url: string }[] };
    expect(out.county).toBe(fx.A);
    // The file is stored sealed under its name + .sm4 (docs/protection.md): read it opened.
    const parquet = opened(join(exportDir, 'rev_a', readdirSync(join(exportDir, 'rev_a'))[0]!, `${out.files[0]!.name}.sm4`));
    const counties = await queryRows<{ c: string }>(fx.db, `SELECT DISTINCT county_code AS c FROM read_parquet(${lit(parquet)})`);
    expect(counties).toEqual([{ c: fx.A }]);
    // The download is the user's own export only.
    expect((await a.get(out.files[0]!.url)).status).toBe(200);
    expect((await b.get(out.files[0]!.url)).status).toBe(404);
  });

  it('audit: a reviewer reads its own actions; a supervisor its city; another city sees none of it; admin all', async () => {
    const actors = async (c: Client) => new Set((await c.json<{ items: { actor: string }[] }>('/api/audit')).body.items.map((i) => i.actor));
    expect(await actors(a)).toEqual(new Set(['rev_a']));
    expect(await actors(b)).toEqual(new Set(['rev_b']));
    const sup = await actors(await signedIn('sup_1'));
    expect(sup.has('rev_a') && sup.has('rev_b')).toBe(true);
    const x = await actors(await signedIn('sup_x'));
    expect(x.has('rev_a') || x.has('rev_b')).toBe(false);
    const admin = await actors(await signedIn('admin'));
    expect(admin.has('rev_a') && admin.has('sup_x')).toBe(true);
  });

  it('dashboard: counts of the own scope; another county is refused', async () => {
    expect((await a.get(`/api/dashboard?county=${fx.B}`)).status).toBe(404);
    const d = (await a.json<{ byCounty: { code: string }[] }>('/api/dashboard')).body;
    expect(d.byCounty.map((c) => c.code)).toEqual([fx.A]);
    expect((await a.get('/dashboard')).status).toBe(200);
  });
});

describe('four-eyes on REMOVE, locks and bulk decisions', () => {
  it('a REMOVE confirmed by a reviewer waits for a supervisor; the reviewer cannot approve it; the export takes it only once approved', async () => {
    const a = await signedIn('rev_a');
    expect((await a.post('/api/flags/W-A-REM/decide', { decision: 'confirmed' })).status).toBe(200);
    const item = (await a.json<{ flag: { status: string } }>('/api/flags/W-A-REM')).body.flag;
    expect(item.status).toBe('awaiting_approval');
    expect((await a.post('/api/flags/W-A-REM/approve', {})).status).toBe(403);

    const s1 = await signedIn('sup_1');
    const before = (await (await s1.post('/api/exports', { kind: 'national' })).json()) as { files: { rows: number; url: string }[] };
    const csvBefore = await (await s1.get(before.files[1]!.url)).arrayBuffer();
    expect(Buffer.from(csvBefore).toString('latin1')).not.toContain('W-A-REM');
    expect((await s1.post('/api/flags/W-A-REM/approve', { note: '核实无误' })).status).toBe(200);
    expect(await decisionsOf('W-A-REM')).toEqual([
      { decision: 'confirmed', decided_by: 'rev_a' },
      { decision: 'approved', decided_by: 'sup_1' },
    ]);
    const after = (await (await s1.post('/api/exports', { kind: 'national' })).json()) as { files: { rows: number; url: string }[] };
    expect(Buffer.from(await (await s1.get(after.files[1]!.url)).arrayBuffer()).toString('latin1')).toContain('W-A-REM');
    // Once approved, a reviewer cannot change it.
    expect((await a.post('/api/flags/W-A-REM/decide', { decision: 'rejected', reason: 'x' })).status).toBe(409);
  });

  it('nobody approves their own confirmation: another supervisor must', async () => {
    const s1 = await signedIn('sup_1');
    expect((await s1.post('/api/flags/W-B-REM/decide', { decision: 'confirmed' })).status).toBe(200);
    const self = await s1.post('/api/flags/W-B-REM/approve', {});
    expect(self.status).toBe(403);
    expect(((await self.json()) as { error: string }).error).toMatch(/不能复核自己/);
    expect((await (await signedIn('admin')).post('/api/flags/W-B-REM/approve', {})).status).toBe(403);
    expect((await (await signedIn('sup_2')).post('/api/flags/W-B-REM/approve', {})).status).toBe(200);
    expect((await decisionsOf('W-B-REM')).map((d) => d.decision)).toEqual(['confirmed', 'approved']);
    const audit = await auditOf(`action = 'decide' AND target = 'W-B-REM'`);
    expect(audit.map((r) => [r.actor, JSON.parse(r.detail!).decision])).toEqual([
      ['sup_1', 'confirmed'],
      ['sup_2', 'approved'],
    ]);
  });

  it('"assign to me" locks a flag for others; bulk decisions take one reason, rejections need it', async () => {
    const a = await signedIn('rev_a');
    const a2 = await signedIn('rev_a2');
    // The real REMOVE is a release from prison, a reason rev_a may not see: decided by a supervisor, so not claimable by rev_a.
    const routedId = fx.realRemove.flagId;
    const claim = await a.post(`/api/flags/${routedId}/assign`, {});
    expect(claim.status).toBe(409);
    expect(((await claim.json()) as { error: string }).error).toContain('主管审核');
    const locked = 'W-A-ADD';
    expect((await a.post(`/api/flags/${locked}/assign`, {})).status).toBe(200);
    expect((await a2.post(`/api/flags/${locked}/assign`, {})).status).toBe(409);
    expect((await a2.post(`/api/flags/${locked}/decide`, { decision: 'confirmed' })).status).toBe(409);
    expect((await a2.post('/api/flags/bulk', { flagIds: [locked], decision: 'confirmed' })).status).toBe(409);
    expect((await a.post('/api/flags/bulk', { flagIds: [locked], decision: 'rejected' })).status).toBe(400);
    // The release fails the whole request.
    const routed = await a.post('/api/flags/bulk', { flagIds: [routedId, locked], decision: 'rejected', reason: '经核实不符合' });
    expect(routed.status).toBe(409);
    expect(((await routed.json()) as { error: string }).error).toContain('主管审核');
    expect(await decisionsOf(routedId)).toEqual([]);
    expect((await a.post('/api/flags/bulk', { flagIds: [locked], decision: 'rejected', reason: '经核实不符合' })).status).toBe(200);
    expect((await decisionsOf(locked)).at(-1)).toEqual({ decision: 'rejected', decided_by: 'rev_a' });
    expect((await a.post('/api/flags/bulk', { flagIds: [], decision: 'confirmed' })).status).toBe(400);
    expect((await a.post(`/api/flags/${locked}/assign`, { release: true })).status).toBe(200);
  });

  it('a flag decided by a role with the grant (a release from prison) is not on the to-do list of a reviewer without it, nor claimable or selectable there', async () => {
    type Item = { flagId: string; flag: string; todo: boolean; routed: boolean; status: string };
    type List = { items: Item[]; byType: Record<string, { open: number }> };
    const routedId = fx.realRemove.flagId;
    const a = await signedIn('rev_a');
    const s = await signedIn('sup_1');
    const mine = (await a.json<List>(`/api/flags?q=${routedId}`)).body.items[0]!;
    const theirs = (await s.json<List>(`/api/flags?q=${routedId}`)).body.items[0]!;
    expect(mine.status).toBe('pending');
    expect([mine.todo, mine.routed]).toEqual([false, true]);
    expect([theirs.todo, theirs.routed]).toEqual([true, false]);
    // 待办 per type: the reviewer's count leaves it out, as their list does.
    const all = (await a.json<List>('/api/flags?flag=REMOVE&size=200')).body;
    expect(all.byType.REMOVE!.open).toBe(all.items.filter((i) => i.todo).length);
    expect(all.items.some((i) => i.flagId === routedId && !i.todo)).toBe(true);
    const row = (html: string) => html.slice(html.lastIndexOf('<tr', html.indexOf(`/flags/${routedId}?`)), html.indexOf('</tr>', html.indexOf(`/flags/${routedId}?`)));
    const revRow = row(await (await a.get(`/queue?q=${routedId}`)).text());
    expect(revRow).toContain('由主管审核');
    expect(revRow).not.toContain('认领</button>');
    expect(revRow).not.toContain('name="sel"');
    const supRow = row(await (await s.get(`/queue?q=${routedId}`)).text());
    expect(supRow).toContain('认领</button>');
    expect(supRow).toContain('name="sel"');
    expect(await (await a.get(`/flags/${routedId}`)).text()).not.toContain('认领给我');
  });
});

describe('privacy', () => {
  it('masks ID numbers in lists and flag views; unmasking is a POST with CSRF that is audited', async () => {
    const a = await signedIn('rev_a');
    const list = await (await a.get('/api/flags')).text();
    expect(list).not.toContain(fx.ids.aAdd);
    expect(list).toContain(fx.ids.aAdd.slice(0, 6) + '********' + fx.ids.aAdd.slice(-4));
    const view = await (await a.get(`/api/flags/${fx.realRemove.flagId}`)).text();
    expect(view).not.toContain(fx.realRemove.childIdNumber);
    const page = await (await a.get(`/flags/${fx.realRemove.flagId}`)).text();
    expect(page).not.toContain(fx.realRemove.childIdNumber);
    expect((await a.raw(`/api/flags/${fx.realRemove.flagId}/unmask`, { method: 'GET' })).status).toBe(404);
    expect((await a.post(`/api/flags/${fx.realRemove.flagId}/unmask`, {}, { 'x-csrf-token': '' })).status).toBe(403);
    const res = await a.post(`/api/flags/${fx.realRemove.flagId}/unmask`, {});
    expect(await res.json()).toEqual({ id: fx.realRemove.childIdNumber });
    const rows = await auditOf(`action = 'unmask' AND actor = 'rev_a' AND target = ${lit(fx.realRemove.flagId)}`);
    expect(rows).toHaveLength(1);
    // A record that is not part of the flag cannot be unmasked through it.
    const bad = await a.post(`/api/flags/${fx.realRemove.flagId}/unmask`, { record: { feed: 'registry', batchId: 1, srcRow: 999999, column: 'id_number' } });
    expect(bad.status).toBe(404);
  });

  it('HIV status and incarceration details only for roles with the need-to-know grant', async () => {
    const a = await signedIn('rev_a');
    const s = await signedIn('sup_1');
    // An HIV flag does not exist for a role without the grant (it answers like a missing flag).
    expect((await a.get('/api/flags/W-A-HIV')).status).toBe(404);
    expect((await s.json<{ flag: { categoryLabel: string } }>('/api/flags/W-A-HIV')).body.flag.categoryLabel).toBe('艾滋病病毒感染儿童');
    expect((await a.json<{ items: unknown[] }>('/api/flags?category=HIV')).body.items).toEqual([]);
    expect((await s.json<{ items: unknown[] }>('/api/flags?category=HIV')).body.items).toHaveLength(1);
    expect(await (await a.get('/queue')).text()).not.toContain('艾滋病病毒感染儿童');
    // Incarceration evidence of the real quarter (if any): measure and institution hidden from reviewers.
    const detail = (await a.json<{ evidence: { record: { feed: string; fields: { key: string; value: string }[] } | null }[] }>(`/api/flags/${fx.realRemove.flagId}`)).body;
    for (const e of detail.evidence) {
      if (e.record?.feed !== 'incarceration') continue;
      for (const f of e.record.fields.filter((x) => ['measure', 'institution'].includes(x.key) && x.value)) expect(f.value).toBe(RESTRICTED);
    }
    // A release from prison is a criminal record too: reviewers see only that a qualifying status ended.
    const reason = async (c: Client) => (await c.json<{ flag: { reasonLabel: string } }>('/api/flags/W-B-REM')).body.flag.reasonLabel;
    expect(await reason(await signedIn('rev_b'))).toBe('父母符合条件的情形已消失（限制知悉）');
    expect(await reason(s)).toBe('父母刑满释放或解除限制人身自由');
    // The rules' trace names prison and health statuses: not for a role without the grant.
    const trace = await a.json<{ available: boolean; message?: string }>(`/api/flags/${fx.realRemove.flagId}/trace`);
    expect(trace.body).toMatchObject({ available: false });
    expect(trace.body.message).toContain('限制知悉');
  });

  it('a reason a reviewer may not see: its records are hidden whole (no feed, role, date or id), and the flag is decided by a supervisor who sees them', async () => {
    const flagId = fx.realRemove.flagId;
    const [{ ev } = { ev: '[]' }] = await queryRows<{ ev: string }>(fx.db, `SELECT CAST(evidence AS VARCHAR) AS ev FROM flags WHERE flag_id = ${lit(flagId)}`);
    const jail = (JSON.parse(ev) as { feed: string; record_id: string; date: string; batch_id: number; src_row: number }[]).filter((e) => e.feed === 'incarceration');
    expect(jail.length).toBeGreaterThan(0);
    const a = await signedIn('rev_a');
    const page = await (await a.get(`/flags/${flagId}`)).text();
    const api = await (await a.get(`/api/flags/${flagId}`)).text();
    for (const text of [page, api]) {
      expect(text).toContain('限制知悉');
      for (const word of ['限制人身自由', '刑满释放', '监狱', 'incarceration', ...jail.flatMap((e) => [e.record_id, e.date])]) expect(text).not.toContain(word);
    }
    expect(page).toContain('由有权限的主管审核');
    expect(page).not.toContain('id="decide-submit"');
    expect((await a.post(`/api/flags/${flagId}/decide`, { decision: 'confirmed' })).status).toBe(409);
    const record = { feed: 'incarceration', batchId: jail[0]!.batch_id, srcRow: jail[0]!.src_row, column: 'id_number' };
    expect((await a.post(`/api/flags/${flagId}/unmask`, { record })).status).toBe(404);
    expect(await decisionsOf(flagId)).toEqual([]);
    // The supervisor of the city sees the record, its release date highlighted, and decides.
    const s = await signedIn('sup_1');
    const sPage = await (await s.get(`/flags/${flagId}`)).text();
    expect(sPage).toContain('限制人身自由记录');
    expect(sPage).toContain('实际释放日期');
    expect(sPage).toMatch(/<dd class="used">\d{4}-\d{2}-\d{2}<span class="used-mark">/);
    expect(sPage).toContain('id="decide-submit"');
    expect((await s.post(`/api/flags/${flagId}/decide`, { decision: 'confirmed' })).status).toBe(200);
    expect((await s.json<{ flag: { status: string } }>(`/api/flags/${flagId}`)).body.flag.status).toBe('awaiting_approval');
  });

  it('the flag view shows the registry record, the evidence with its comparison and match explanation, and the rule parameters', async () => {
    const s = await signedIn('sup_1');
    const { status, body } = await s.json<any>(`/api/flags/${fx.realRemove.flagId}`);
    expect(status).toBe(200);
    expect(body.registry.fields.find((f: { key: string }) => f.key === 'name').value).toBeTruthy();
    expect(body.evidence.length).toBeGreaterThan(0);
    const withMatch = body.evidence.filter((e: { match: unknown }) => e.match);
    for (const e of withMatch) {
      expect(e.match.steps.length).toBeGreaterThan(0);
      expect(e.match.steps[0]).toHaveProperty('weight');
    }
    expect(body.history[0].runId).toBe('Q2026-09-30');
    const page = await (await s.get(`/flags/${fx.realRemove.flagId}`)).text();
    expect(page).toContain('名册记录');
    expect(page).toContain('规则说明');
    const trace = await s.json<{ available: boolean; lines: string[] }>(`/api/flags/${fx.realRemove.flagId}/trace`);
    expect(trace.body.available).toBe(true);
    expect(trace.body.lines.join('\n')).toContain('应退未退');
  });

  it('the audit log records logins, views, unmasks, decisions and exports', async () => {
    const actions = new Set((await auditOf('TRUE')).map((r) => r.action));
    for (const a of ['login', 'view', 'unmask', 'decide', 'export']) expect(actions.has(a)).toBe(true);
    const admin = await signedIn('admin');
    const filtered = (await admin.json<{ items: { action: string; actor: string }[] }>('/api/audit?action=unmask&actor=rev_a')).body.items;
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((r) => r.action === 'unmask' && r.actor === 'rev_a')).toBe(true);
    expect((await admin.get('/audit?action=export')).status).toBe(200);
  });

  it('the audit page reads in words (no JSON), pages by 50 and filters by user, action and date', async () => {
    for (let i = 0; i < 60; i++) await appendAudit(fx.db, { actor: 'audit_bulk', action: 'view', runId: 'Q2026-09-30', target: 'W-A-ADD', rows: 1, detail: { what: 'flag' } });
    await appendAudit(fx.db, { actor: 'audit_bulk', action: 'unmask', runId: 'Q2026-09-30', target: 'W-A-ADD', rows: 1, detail: { field: 'child_id_number' } });
    await appendAudit(fx.db, { actor: 'audit_bulk', action: 'export', runId: 'Q2026-09-30', target: '/data/exports/web/x/全国儿童福利信息系统_变动_Q2026-09-30_4403.csv', rows: 3, detail: { kind: 'national', format: 'csv', county: '4403', needToKnow: false } });
    const admin = await signedIn('admin');
    type Page = { items: { auditId: number; summary: string; object: string; flagId: string | null }[]; total: number; page: number; pages: number };
    const p1 = (await admin.json<Page>('/api/audit?actor=audit_bulk')).body;
    expect([p1.total, p1.page, p1.pages, p1.items.length]).toEqual([62, 1, 2, 50]);
    const p2 = (await admin.json<Page>('/api/audit?actor=audit_bulk&page=2')).body;
    expect([p2.page, p2.items.length]).toEqual([2, 12]);
    expect(p2.items.some((r) => p1.items.some((x) => x.auditId === r.auditId))).toBe(false);
    const [exp, unm, view] = p1.items;
    expect(exp!.object).toBe('全国儿童福利信息系统_变动_Q2026-09-30_4403.csv');
    expect(exp!.summary).toBe('导出全国儿童福利信息系统变动名单（CSV），区划 深圳市，不含限制知悉信息');
    expect(unm!.summary).toBe('显示儿童身份证号');
    expect([view!.summary, view!.flagId]).toEqual(['查看标记详情', 'W-A-ADD']);
    const page = await (await admin.get('/audit?actor=audit_bulk&page=2')).text();
    expect(page).toContain('第 2 / 2 页');
    expect(page).not.toMatch(/\{&quot;|\{"/);
    const today = new Date().toISOString().slice(0, 10);
    expect((await admin.json<Page>(`/api/audit?actor=audit_bulk&action=export&from=${today}&to=${today}`)).body.total).toBe(1);
    expect((await admin.json<Page>('/api/audit?actor=audit_bulk&to=2020-01-01')).body.total).toBe(0);
  });
});

describe('need-to-know: an HIV flag does not exist for a role without the grant (issue 18 item 4)', () => {
  type Dash = { byType: { flag: string; total: number; open: number }[]; byCategory: { label: string; total: number }[]; byCounty: { code: string; total: number }[]; decisions: { n: number }[]; trend: { total: number }[] };
  type List = { total: number; items: { flagId: string; categoryLabel: string }[]; byType: Record<string, { total: number }> };
  let a: Client;
  let s: Client;
  beforeAll(async () => {
    a = await signedIn('rev_a');
    s = await signedIn('sup_1');
  });

  it('queue, search and their counts: no HIV flag, no 限制知悉 bucket; the supervisor has one more', async () => {
    const la = (await a.json<List>('/api/flags')).body;
    const ls = (await s.json<List>(`/api/flags?q=`)).body;
    const sA = ls.items.filter((i) => i.flagId.startsWith('W-A-') || i.flagId === fx.realRemove.flagId);
    expect(sA.map((i) => i.flagId)).toContain('W-A-HIV');
    expect(la.items.map((i) => i.flagId)).not.toContain('W-A-HIV');
    expect(la.items.every((i) => i.categoryLabel !== RESTRICTED)).toBe(true);
    // Counts: the reviewer's county A, as the supervisor sees it less the HIV flag.
    const supA = (await s.json<Dash>(`/api/dashboard?county=${fx.A}`)).body;
    const supTotal = supA.byCounty.find((c) => c.code === fx.A)!.total;
    expect(la.total).toBe(supTotal - 1);
    expect(la.byType.URGENT?.total ?? 0).toBe((supA.byType.find((t) => t.flag === 'URGENT')?.total ?? 0) - 1);
    // Search by name, by full ID, by flag id: nothing.
    for (const q of ['赵六', fx.ids.aHiv, 'W-A-HIV']) {
      expect((await a.json<List>(`/api/flags?q=${encodeURIComponent(q)}`)).body).toMatchObject({ total: 0, items: [] });
      expect((await s.json<List>(`/api/flags?q=${encodeURIComponent(q)}`)).body.items.map((i) => i.flagId)).toEqual(['W-A-HIV']);
    }
    const page = await (await a.get('/queue')).text();
    expect(page).not.toContain(RESTRICTED);
    expect(page).not.toContain('赵六');
    expect(page).not.toContain('W-A-HIV');
  });

  it('dashboard: no 限制知悉 bucket, and every count leaves the HIV flag out', async () => {
    const d = (await a.json<Dash>('/api/dashboard')).body;
    const sup = (await s.json<Dash>(`/api/dashboard?county=${fx.A}`)).body;
    expect(d.byCategory.map((c) => c.label)).not.toContain(RESTRICTED);
    expect(JSON.stringify(d)).not.toContain('艾滋病');
    expect(sup.byCategory.map((c) => c.label)).toContain('艾滋病病毒感染儿童');
    const sum = (xs: { total: number }[]) => xs.reduce((n, x) => n + x.total, 0);
    expect(sum(d.byCategory)).toBe(sum(sup.byCategory) - 1);
    expect(sum(d.byType)).toBe(sum(sup.byType) - 1);
    expect(sum(d.byCounty)).toBe(sum(sup.byCounty) - 1);
    expect(d.decisions.reduce((n, x) => n + x.n, 0)).toBe(sup.decisions.reduce((n, x) => n + x.n, 0) - 1);
    expect(d.trend.at(-1)!.total).toBe(sup.trend.at(-1)!.total - 1);
    const page = await (await a.get('/dashboard')).text();
    expect(page).not.toContain(RESTRICTED);
    expect(page).not.toContain('艾滋病');
  });

  it('the flag, its page, trace and every action answer like a missing flag', async () => {
    const missing = await (await a.get('/api/flags/NO-SUCH-FLAG')).text();
    expect(await (await a.get('/api/flags/W-A-HIV')).text()).toBe(missing);
    expect((await a.get('/flags/W-A-HIV')).status).toBe(404);
    expect((await a.get('/api/flags/W-A-HIV/trace')).status).toBe(404);
    for (const action of ['assign', 'unmask']) expect((await a.post(`/api/flags/W-A-HIV/${action}`, {})).status).toBe(404);
    expect((await a.post('/api/flags/W-A-HIV/decide', { decision: 'confirmed' })).status).toBe(404);
    expect((await a.post('/api/flags/bulk', { flagIds: ['W-A-HIV'], decision: 'confirmed' })).status).toBe(404);
    expect(await decisionsOf('W-A-HIV')).toEqual([]);
  });

  it('a role that reads the audit log but lacks the grant reads no row about an HIV flag', async () => {
    expect((await s.get('/api/flags/W-A-HIV')).status).toBe(200); // a view, audited
    const targets = async (c: Client) => (await c.json<{ items: { target: string | null }[] }>('/api/audit')).body.items.map((i) => i.target);
    expect(await targets(await signedIn('sup_2'))).toContain('W-A-HIV');
    const saved = app;
    app = createApp(fx.db, { exportDir, today: () => '2026-10-20', roles: { supervisor: { needToKnow: false } } });
    try {
      const noGrant = await signedIn('sup_2');
      expect(await targets(noGrant)).not.toContain('W-A-HIV');
      expect((await noGrant.get('/api/flags/W-A-HIV')).status).toBe(404);
    } finally {
      app = saved;
    }
  });

  it('the web export of a reviewer holds no HIV flag; a supervisor\'s does', async () => {
    const parquetOf = async (c: Client, user: string) => {
      const res = await c.post('/api/exports', { kind: 'flags', county: fx.A });
      expect(res.status).toBe(200);
      const outFiles = (await res.json()) as { files: { name: string }[] };
      const dirs = readdirSync(join(exportDir, user)).sort();
      return opened(join(exportDir, user, dirs.at(-1)!, `${outFiles.files[0]!.name}.sm4`)); // stored sealed
    };
    const ids = async (path: string) => (await queryRows<{ flag_id: string }>(fx.db, `SELECT flag_id FROM read_parquet(${lit(path)})`)).map((r) => r.flag_id);
    expect(await ids(await parquetOf(a, 'rev_a'))).not.toContain('W-A-HIV');
    expect(await ids(await parquetOf(s, 'sup_1'))).toContain('W-A-HIV');
  });
});

describe('money on the flag page', () => {
  it('a REMOVE shows the months paid since it took effect and their amount in 元', async () => {
    await fx.db.run(`UPDATE sealed_flags SET overpaid_months = 3, overpaid_amount = 2700 WHERE flag_id = 'W-A-REM'`);
    const a = await signedIn('rev_a');
    const page = await (await a.get('/flags/W-A-REM')).text();
    expect(page).toContain('已多发 3 个月（2700 元）');
  });
});
