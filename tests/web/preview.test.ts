// The rule preview page and API (issue 15 item 6) through app.request(): admins only, the session's
// CSRF token on the form, Chinese errors naming the key, audited, nothing else stored.
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../pipeline/store/index.js';
import { createApp } from '../../web/index.js';
import { buildFixture, PASSWORD, RUN, type WebFixture } from './fixture.js';

let fx: WebFixture;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  fx = await buildFixture();
  app = createApp(fx.db, { today: () => '2026-10-20' });
});

/** A browser-like session: its cookies, its CSRF token, an Origin of this host on every change. */
async function signedIn(name: string) {
  const cookies = new Map<string, string>();
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    if ((init.method ?? 'GET') !== 'GET' && !headers.has('origin')) headers.set('origin', 'http://localhost');
    const res = await app.request(path, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  };
  const token = /name="_csrf" value="([^"]+)"/.exec(await (await request('/login')).text())![1]!;
  const res = await request('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, password: PASSWORD, _csrf: token }) });
  expect(res.status).toBe(200);
  const csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
  const form = (fields: Record<string, string>, withToken = true) =>
    request('/rules/preview', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, ...(withToken ? { _csrf: csrf } : {}) }).toString(),
    });
  const api = (body: unknown) => request('/api/rules/preview', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(body) });
  return { request, form, api };
}

const count = async (table: string) => (await queryRows<{ n: number }>(fx.db, `SELECT count(*)::INTEGER AS n FROM ${table}`))[0]!.n;
const TWELVE = JSON.stringify({ extends: 'national', restriction: { minMonths: 12 } });

describe('rule preview on the web', () => {
  it('is for admins only: others get 403 and see no link to it', async () => {
    for (const name of ['rev_a', 'sup_1']) {
      const c = await signedIn(name);
      expect((await c.request('/rules/preview')).status).toBe(403);
      expect((await c.api({ profile: TWELVE })).status).toBe(403);
      expect(await (await c.request('/queue')).text()).not.toContain('/rules/preview');
    }
    const admin = await signedIn('admin');
    expect(await (await admin.request('/queue')).text()).toContain('href="/rules/preview"');
  });

  it('previews a candidate profile from the form with the CSRF token, audits it and stores nothing else', async () => {
    const admin = await signedIn('admin');
    const page = await admin.request('/rules/preview');
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/name="_csrf" value="[^"]+"/);
    expect((await admin.form({ runId: RUN, profile: TWELVE }, false)).status).toBe(403);

    const flags = await count('flags');
    const audits = await count('audit_log');
    const res = await admin.form({ runId: RUN, asOf: '', profile: TWELVE });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`预演结果：${RUN}`);
    expect(html).toContain('restriction.minMonths');
    expect(await count('flags')).toBe(flags);
    expect(await count('audit_log')).toBe(audits + 1);
    const [row] = await queryRows<{ actor: string; action: string; target: string; kind: string }>(
      fx.db,
      `SELECT actor, action, target, detail->>'kind' AS kind FROM audit_log ORDER BY audit_id DESC LIMIT 1`,
    );
    expect(row).toEqual({ actor: 'admin', action: 'view', target: 'rules-preview', kind: 'rules-preview' });
  });

  it('the API: an unchanged profile changes nothing; an invalid one is a 400 naming the key in Chinese', async () => {
    const admin = await signedIn('admin');
    const same = await admin.api({ runId: RUN, profile: '{"extends":"national"}' });
    expect(same.status).toBe(200);
    const r = (await same.json()) as { added: number; dropped: number; changed: number; groups: unknown[]; parameters: unknown[] };
    expect({ added: r.added, dropped: r.dropped, changed: r.changed, groups: r.groups.length, parameters: r.parameters }).toEqual({ added: 0, dropped: 0, changed: 0, groups: 0, parameters: [] });

    const bad = await admin.api({ runId: RUN, profile: '{"extends":"national","restriction":{"minMonths":-1}}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/候选规则配置：键 restriction\.minMonths：/);
    // A file of the server cannot be read through `extends`.
    const path = await admin.api({ runId: RUN, profile: '{"extends":"/etc/passwd"}' });
    expect(path.status).toBe(400);
    expect(((await path.json()) as { error: string }).error).toContain('键 extends');
    const form = await admin.form({ runId: RUN, profile: '{"restriction":' });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('不是有效的 JSON');
  });
});
