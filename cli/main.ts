#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { ingestInbox, storeStatus } from '../connectors/index.js';
import { openStore } from '../pipeline/store/index.js';
import { printIngestSummary, printStatus, progressLine } from './print.js';

const program = new Command();
program
  .name('bidui')
  .description('比对: compare the child-welfare registry with agency feeds, quarter by quarter')
  .option('-c, --config <file>', 'configuration file (JSON); defaults apply without one')
  .option('--db <path>', 'DuckDB database file (overrides the configuration)')
  .showHelpAfterError();

function config(): Config {
  const opts = program.opts<{ config?: string; db?: string }>();
  return loadConfig(opts.config, opts.db ? { database: opts.db } : {});
}

program
  .command('synth')
  .description('write a deterministic synthetic province: an inbox of feeds plus the ground truth')
  .requiredOption('--out <dir>', 'output folder (inbox/ and truth/ are written inside)')
  .option('--seed <n>', 'random seed', '1')
  .addOption(new Option('--size <size>', 'how big').choices(['tiny', 'small', 'medium', 'province']).default('small'))
  .option('--as-of <date>', 'the quarter end the ground-truth flags are computed for', '2026-09-30')
  .option('--province <code>', '2-digit province code', '44')
  .option('--json', 'print the summary as JSON')
  .action(async (o: { out: string; seed: string; size: string; asOf: string; province: string; json?: boolean }) => {
    const { generateProvince, synthOptionsSchema } = await import('../synth/index.js');
    const opts = synthOptionsSchema.parse({
      seed: Number(o.seed),
      size: o.size,
      out: o.out,
      asOf: o.asOf,
      province: o.province,
      onProgress: process.stderr.isTTY ? (stage: string, done: number, total: number) => progressLine(`synth ${stage} ${done}/${total}`) : undefined,
    });
    const summary = await generateProvince(opts);
    if (process.stderr.isTTY) progressLine(null);
    if (o.json) console.log(JSON.stringify(summary, null, 2));
    else console.log(`合成数据已写入 ${o.out} (inbox/ 与 truth/)`);
  });

program
  .command('ingest')
  .description('load every new file of the inbox (<inbox>/<feed>/*) into the store; a file already loaded is skipped')
  .option('--inbox <dir>', 'drop folder (overrides the configuration)')
  .option('--json', 'print the batch reports as JSON')
  .action(async (o: { inbox?: string; json?: boolean }) => {
    const cfg = config();
    const db = await openStore(cfg.database);
    const started = performance.now();
    const reports = await ingestInbox(db, cfg, {
      inbox: o.inbox,
      onProgress: process.stderr.isTTY
        ? (e) => progressLine(`ingest ${e.index + 1}/${e.total} ${e.feed}: ${e.file.split('/').pop()} (已载入 ${e.rowsSoFar} 行)`)
        : undefined,
    });
    if (process.stderr.isTTY) progressLine(null);
    if (o.json) console.log(JSON.stringify(reports, null, 2));
    else printIngestSummary(reports, (performance.now() - started) / 1000);
    if (reports.some((r) => r.status === 'failed')) process.exitCode = 3;
  });

program
  .command('status')
  .description('batches, rows, quarantine and data-quality counts per feed')
  .option('--json', 'print as JSON')
  .action(async (o: { json?: boolean }) => {
    const cfg = config();
    const db = await openStore(cfg.database);
    const status = await storeStatus(db);
    if (o.json) console.log(JSON.stringify(status, null, 2));
    else printStatus(status);
  });

program
  .command('demo')
  .description('quick start: synthesise a small province, ingest it and show the store (all under data/demo/)')
  .option('--dir <dir>', 'where the demo writes', 'data/demo')
  .action(async (o: { dir: string }) => {
    const { generateProvince, synthOptionsSchema } = await import('../synth/index.js');
    const dir = resolve(o.dir);
    const out = join(dir, 'province');
    if (!existsSync(join(out, 'truth'))) {
      await generateProvince(synthOptionsSchema.parse({ seed: 1, size: 'small', out }));
      console.log(`① 合成省份数据: ${out}/inbox (真值: ${out}/truth)`);
    } else console.log(`① 合成省份数据已存在: ${out}/inbox`);
    const cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox: join(out, 'inbox') });
    const db = await openStore(cfg.database);
    const started = performance.now();
    const reports = await ingestInbox(db, cfg);
    console.log(`② 数据导入 (${cfg.database}):`);
    printIngestSummary(reports, (performance.now() - started) / 1000);
    console.log('③ 数据库状态:');
    printStatus(await storeStatus(db));
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`配置错误 (configuration error):\n${err.message}`);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
