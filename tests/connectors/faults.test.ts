// Issue 18 fault suite: hundreds of hostile files across every feed and format, beside good files, in
// one inbox. No crash; every good row loaded; every bad row quarantined or its file failed, with a
// Chinese reason and no personal data in any message; the suite prints its counts and peak memory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox, storeStatus } from '../../connectors/index.js';
import { openDb, openStore, queryRows } from '../../pipeline/store/index.js';
import { tempDir } from '../helpers.js';
import { FEED_NAMES, FEEDS, FORMATS, goodRow, writeHostile, writeRows, zipBomb, type Expect } from './fault-files.js';

const HAN = /\p{Script=Han}/u;

it('fault suite: hostile files beside good ones: no crash, good rows loaded, bad rows quarantined or failed with a reason', async () => {
  const genStarted = performance.now();
  const dir = tempDir();
  const inbox = join(dir, 'inbox');
  const scratch = await openDb(':memory:');
  const bomb = zipBomb();
  const expects: Expect[] = [];
  for (const feed of FEED_NAMES) {
    mkdirSync(join(inbox, feed), { recursive: true });
    expects.push(...(await writeHostile(scratch, inbox, feed, bomb)));
    for (const format of FORMATS) {
      const path = join(inbox, feed, `good-${format}.${format === 'csv-gb' ? 'csv' : format}`);
      await writeRows(scratch, path, format, FEEDS[feed]!.headers, [goodRow(feed), goodRow(feed), goodRow(feed)]);
      expects.push({ file: path, feed, kind: 'good', format, outcome: 'loaded', good: 3, bad: 0, secrets: [] });
    }
  }
  scratch.closeSync();
  const genSeconds = (performance.now() - genStarted) / 1000;
  const hostile = expects.filter((e) => e.kind !== 'good');
  expect(hostile.length).toBeGreaterThanOrEqual(200);

  const cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox });
  const db = await openStore(cfg.database);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const started = performance.now();
  const reports = await ingestInbox(db, cfg);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

  const byFile = new Map(reports.map((r) => [r.file, r]));
  expect(reports.length).toBe(expects.length);
  const wrong: string[] = [];
  let goodRows = 0;
  let quarantined = 0;
  let failed = 0;
  for (const e of expects) {
    const r = byFile.get(e.file)!;
    const what = `${e.feed}/${e.kind}/${e.format}`;
    if (r.status !== e.outcome) wrong.push(`${what}: ${r.status} (${r.error ?? ''})`);
    else if (e.outcome === 'loaded' && (r.rowsLoaded !== e.good || r.rowsQuarantined !== e.bad)) wrong.push(`${what}: loaded ${r.rowsLoaded}/${e.good}, quarantined ${r.rowsQuarantined}/${e.bad}`);
    else if (e.outcome === 'failed' && !HAN.test(r.error ?? '')) wrong.push(`${what}: reason not in Chinese: ${r.error}`);
    else if (e.kind === 'zip-bomb' && !/压缩比/.test(r.error ?? '')) wrong.push(`${what}: not stopped before it was inflated: ${r.error}`);
    else if (['latin1', 'mixed-encoding'].includes(e.kind) && !/编码/.test(r.error ?? '')) wrong.push(`${what}: the encoding is not named as the cause: ${r.error}`);
    for (const s of e.secrets) if ((r.error ?? '').includes(s)) wrong.push(`${what}: personal data in the reason`);
    goodRows += r.rowsLoaded;
    quarantined += r.rowsQuarantined;
    if (r.status === 'failed') failed++;
  }
  expect(wrong).toEqual([]);
  const expectedGood = expects.reduce((a, e) => a + e.good, 0);
  expect(goodRows).toBe(expectedGood);

  // Every quarantined row has a reason naming its file, line and field (or the whole row).
  const q = await queryRows<{ n: number; described: number }>(
    db,
    `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE reason IS NOT NULL AND detail IS NOT NULL AND src_line IS NOT NULL)::INTEGER AS described FROM quarantine`,
  );
  expect(q[0]!.described).toBe(q[0]!.n);
  // Nothing personal in the stored failure reasons either, and no batch left loading.
  const secrets = expects.flatMap((e) => e.secrets);
  const stored = await queryRows<{ status: string; error: string | null }>(db, 'SELECT status, error FROM ingest_batches');
  expect(stored.filter((b) => b.status === 'loading')).toEqual([]);
  expect(stored.filter((b) => secrets.some((s) => (b.error ?? '').includes(s)))).toEqual([]);
  const status = await storeStatus(db);
  // An empty CSV and an empty GB18030 CSV of a feed are one content: the second is not tried again.
  expect(status.feeds.reduce((a, f) => a + f.failedBatches, 0)).toBe(reports.filter((r) => r.status === 'failed' && !r.notRetried).length);

  // Run again: nothing is read again (loaded → duplicate, failed → not retried until it changes).
  const again = await ingestInbox(db, cfg);
  expect(again.filter((r) => r.status === 'loaded')).toEqual([]);
  expect(again.filter((r) => r.status === 'failed').every((r) => r.notRetried)).toBe(true);
  const [{ n: batches }] = (await queryRows<{ n: number }>(db, 'SELECT count(*)::INTEGER AS n FROM ingest_batches')) as [{ n: number }];
  expect(batches).toBe(reports.filter((r) => r.status === 'loaded' || (r.status === 'failed' && !r.notRetried && r.batchId !== null)).length);

  console.log(
    `fault suite: ${expects.length} files (${hostile.length} hostile, ${expects.length - hostile.length} good; written in ${genSeconds.toFixed(1)} s) ingested in ${seconds.toFixed(1)} s; ` +
      `${reports.filter((r) => r.status === 'loaded').length} loaded, ${failed} failed with a reason, 0 crashes; ` +
      `${goodRows} good rows loaded of ${expectedGood}, ${quarantined} rows quarantined; peak memory (RSS) ${(peak / 2 ** 20).toFixed(0)} MiB`,
  );
}, 180_000);
