// The review queue in a real browser (playwright-core driving Debian's chromium, no download; the
// global setup passes its path in CHROMIUM_PATH):
// a reviewer opens a flag, unmasks an ID and confirms a REMOVE; a supervisor approves it and the
// national export contains it. Screenshots go to test-output/web/.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import iconv from 'iconv-lite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../web/index.js';
import { buildFixture, PASSWORD, type WebFixture } from './fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = resolve('test-output/web');

let fx: WebFixture;
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  fx = await buildFixture();
  server = await startServer(fx.db, { port: 0, host: '127.0.0.1', exportDir: join(fx.dir, 'exports') });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function login(page: Page, username: string) {
  await page.goto(server.url + 'login');
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL('**/queue'), page.click('button[type=submit]')]);
}

describe('review queue in the browser', () => {
  it('has Debian\'s chromium to drive (tests/setup/global.ts locates or installs it)', () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
  });

  it('reviewer confirms a REMOVE after unmasking its ID; a supervisor approves it; the export contains it', async () => {
    const flagId = fx.realRemove.flagId;
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await login(page, 'rev_a');
    await expect.poll(() => page.locator('h1').first().textContent()).toContain('审核队列');
    await page.screenshot({ path: join(SHOTS, 'queue.png'), fullPage: true });

    await Promise.all([page.waitForURL(`**/flags/${flagId}**`), page.click(`a[href^="/flags/${flagId}"]`)]);
    const masked = await page.locator('#child-id').textContent();
    expect(masked).toContain('*');
    await page.click('#unmask-child');
    await expect.poll(() => page.locator('#child-id').textContent()).toBe(fx.realRemove.childIdNumber);
    await page.screenshot({ path: join(SHOTS, 'flag-top.png') });
    await page.locator('.evidence').first().screenshot({ path: join(SHOTS, 'flag-evidence.png') });
    await page.locator('details#trace summary').click();
    // A reviewer has no need-to-know grant: the trace says so instead of naming prison or health statuses.
    await expect.poll(() => page.locator('#trace-body').textContent(), { timeout: 30_000 }).toContain('限制知悉');
    await page.screenshot({ path: join(SHOTS, 'flag.png'), fullPage: true });

    await page.check('input[name=decision][value=confirmed]');
    await Promise.all([page.waitForEvent('load'), page.click('#decide-submit')]);
    await expect.poll(() => page.locator('.card dl.kv').first().textContent()).toContain('待主管复核');

    await page.click('button[data-post="/logout"]');
    await page.waitForURL('**/login');

    await login(page, 'sup_1');
    await page.goto(server.url + `flags/${flagId}`);
    page.once('dialog', (d) => void d.accept());
    await Promise.all([page.waitForEvent('load'), page.click('#approve-submit')]);
    await expect.poll(() => page.locator('.card dl.kv').first().textContent()).toContain('已复核');
    await page.screenshot({ path: join(SHOTS, 'flag-approved.png'), fullPage: true });

    await page.goto(server.url + 'exports');
    await page.selectOption('select[name=kind]', 'national');
    await page.click('#export-submit');
    const csvLink = page.locator('#export-files a', { hasText: '.csv' });
    await csvLink.waitFor();
    const res = await page.request.get(server.url.replace(/\/$/, '') + (await csvLink.getAttribute('href'))!);
    expect(res.status()).toBe(200);
    const csv = iconv.decode(await res.body(), 'gb18030');
    const line = csv.split('\r\n').find((l) => l.includes(flagId));
    expect(line).toBeDefined();
    expect(line).toContain('退出');
    expect(line).toContain(fx.realRemove.childIdNumber);

    await page.goto(server.url + 'dashboard');
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});
