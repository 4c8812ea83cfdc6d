// A signed-in client of a web app built by createApp, through app.request(): keeps the cookies,
// sends the CSRF token and (as a browser does) its Origin on changes.
import type { createApp } from '../../web/index.js';

type App = ReturnType<typeof createApp>;

export class WebClient {
  cookies = new Map<string, string>();
  csrf = '';
  /** The Origin header of changes (app.request's URLs are http://localhost/…); null: none. */
  origin: string | null = 'http://localhost';
  constructor(
    readonly app: App,
    readonly name: string,
  ) {}

  private store(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const k = pair!.slice(0, i);
      const v = pair!.slice(i + 1);
      if (/max-age=0/i.test(c) || v === '') this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
  }
  async raw(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    if ((init.method ?? 'GET') !== 'GET' && this.origin !== null && !headers.has('origin')) headers.set('origin', this.origin);
    const res = await this.app.request(path, { ...init, headers });
    this.store(res);
    return res;
  }
  async login(password: string) {
    const page = await this.raw('/login');
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await this.raw('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: this.name, password, _csrf: token }),
    });
    if (res.ok) this.csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
    return res;
  }
  get(path: string) {
    return this.raw(path);
  }
  async json<T = any>(path: string): Promise<{ status: number; body: T }> {
    const res = await this.get(path);
    return { status: res.status, body: (await res.json()) as T };
  }
  post(path: string, body: unknown, headers: Record<string, string> = {}) {
    return this.raw(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': this.csrf, ...headers }, body: JSON.stringify(body) });
  }
  async postJson<T = any>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    const res = await this.post(path, body);
    return { status: res.status, body: (await res.json()) as T };
  }
}
