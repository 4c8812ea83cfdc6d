#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import type { Db } from '../pipeline/store/index.js';
import { printIngestSummary, printQuarter, printStatus, progressLine } from './print.js';

// A command loads what it uses when it runs (DuckDB, exceljs, the connectors, BullMQ, the web app):
// the many short `bidui` processes of scripts, tests and workers start quicker.
const openStore = async (path: string): Promise<Db> => (await import('../pipeline/store/index.js')).openStore(path);
const connectors = () => import('../connectors/index.js');

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
  .option('--retry-failed', 'read again the files whose same content failed before (they are skipped otherwise)')
  .action(async (o: { inbox?: string; json?: boolean; retryFailed?: boolean }) => {
    const cfg = config();
    const db = await openStore(cfg.database);
    const { ingestInbox } = await connectors();
    const started = performance.now();
    const reports = await ingestInbox(db, cfg, {
      inbox: o.inbox,
      retryFailed: o.retryFailed,
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
  .option('--queue [url]', 'also show the job queues, running and failed jobs and the schedules (Redis URL; default: jobs.queue)')
  .action(async (o: { json?: boolean; queue?: string | boolean }) => {
    const cfg = config();
    const { storeStatus } = await connectors();
    if (o.queue) {
      // jobs/: queues first; the store may be held by a running owner process (DuckDB allows one).
      const { queueStatus, queueUrl, formatQueueStatus } = await import('../jobs/index.js');
      const qs = await queueStatus(cfg, queueUrl(cfg, o.queue));
      if (o.json) console.log(JSON.stringify(qs, null, 2));
      else console.log(formatQueueStatus(qs).join('\n'));
      try {
        const db = await openStore(cfg.database);
        const status = await storeStatus(db);
        if (o.json) console.log(JSON.stringify(status, null, 2));
        else printStatus(status);
      } catch (err) {
        if (!o.json) console.log(`数据库正被其他进程使用 (store busy): ${(err as Error).message.split('\n')[0]}`);
      }
      return;
    }
    const db = await openStore(cfg.database);
    const status = await storeStatus(db);
    if (o.json) console.log(JSON.stringify(status, null, 2));
    else printStatus(status);
  });

program
  .command('quarter')
  .description('the quarterly comparison: ingest what is new, link persons, evaluate the rules as of a date, write flags.csv')
  .requiredOption('--as-of <date>', 'the as-of date T (YYYY-MM-DD), normally a quarter end')
  .option('--inbox <dir>', 'drop folder to ingest first (overrides the configuration)')
  .requiredOption('--out <dir>', 'folder for flags.csv')
  .option('--json', 'print the run summary as JSON')
  .option('--queue [url]', 'split matching and rule evaluation into partitions worked by `bidui worker` processes (Redis URL; default: jobs.queue)')
  .action(async (o: { asOf: string; inbox?: string; out: string; json?: boolean; queue?: string | boolean }) => {
    const jobs = await import('../jobs/index.js');
    const cfg = config();
    const db = await openStore(cfg.database);
    // In this process by default; partition steps on `bidui worker` processes with --queue.
    const executor = o.queue ? jobs.queueExecutor(cfg, jobs.queueUrl(cfg, o.queue)) : jobs.embeddedExecutor(jobs.resultsRoot(cfg));
    try {
      const result = await jobs.runQuarter(db, cfg, { asOf: o.asOf, inbox: o.inbox, out: o.out, executor });
      if (o.json) console.log(JSON.stringify(result, null, 2));
      else {
        printQuarter(result);
        if (result.status === 'incomplete') console.log(`本次比对不完整 (run incomplete): ${result.failures.map((f) => `${f.step} ${f.partition}: ${f.error}`).join('; ')}`);
      }
      if (result.status === 'incomplete') process.exitCode = 3;
    } finally {
      await executor.close?.();
    }
  });

program
  .command('rules')
  .description('the rules of a run')
  .command('explain')
  .description('which predicates held for a child, on which evidence (child: ID number, child ref or person id)')
  .argument('<child>')
  .requiredOption('--as-of <date>', 'the as-of date T (YYYY-MM-DD)')
  .action(async (child: string, o: { asOf: string }) => {
    const { explainChild } = await import('../rules/index.js');
    const cfg = config();
    const db = await openStore(cfg.database);
    const lines = await explainChild(db, cfg, child, o.asOf);
    console.log(lines.join('\n'));
  });

program
  .command('demo')
  .description('quick start: a small synthetic province, one quarter end to end, review decisions and exports (under data/demo/)')
  .option('--dir <dir>', 'where the demo writes', 'data/demo')
  .option('--serve', 'then start the web review queue (bidui serve) on the demo store')
  .option('--port <n>', 'port of the web review queue', '8080')
  .action(async (o: { dir: string; serve?: boolean; port: string }) => {
    const { runDemo } = await import('./demo.js');
    const demo = await runDemo(o.dir);
    // The end: demo accounts and the URL of the web review queue (web/demo.ts).
    const { demoReviewQueue } = await import('../web/index.js');
    await demoReviewQueue(demo.db, { database: demo.database, serve: o.serve, port: Number(o.port) });
  });

// jobs/: bidui worker, bidui schedule (BullMQ on Redis)
program
  .command('worker')
  .description('work the job queues: partition steps; with --owner also scans, ingests and quarterly runs (the process that owns the DuckDB file)')
  .option('--queue <url>', 'Redis URL (default: jobs.queue)')
  .option('--concurrency <n>', 'jobs at a time in this process (default: jobs.concurrency)')
  .option('--owner', 'also work the store queue: open the DuckDB file (one process per file)')
  .addOption(new Option('--step-delay <ms>', 'hold each partition step (tests)').hideHelp())
  .action(async (o: { queue?: string; concurrency?: string; owner?: boolean; stepDelay?: string }) => {
    const { startWorkers, queueUrl } = await import('../jobs/index.js');
    const cfg = config();
    const running = await startWorkers(cfg, {
      url: queueUrl(cfg, o.queue),
      concurrency: o.concurrency ? Number(o.concurrency) : undefined,
      owner: o.owner,
      stepDelayMs: o.stepDelay ? Number(o.stepDelay) : undefined,
    });
    console.log(`工作进程已启动 (worker started, pid ${process.pid})`);
    const stop = () => void running.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

program
  .command('schedule')
  .description('register one job scheduler per source (its cron) and the quarterly run; removed sources lose theirs')
  .option('--queue <url>', 'Redis URL (default: jobs.queue)')
  .option('--json', 'print as JSON')
  .action(async (o: { queue?: string; json?: boolean }) => {
    const { registerSchedules, queueUrl } = await import('../jobs/index.js');
    const cfg = config();
    const r = await registerSchedules(cfg, queueUrl(cfg, o.queue));
    if (o.json) console.log(JSON.stringify(r, null, 2));
    else {
      for (const s of r.registered) console.log(`已登记 ${s.id}: ${s.pattern} (${s.tz})`);
      for (const id of r.removed) console.log(`已删除 ${id}`);
    }
  });

/** The commands defined above; the others come from review/, exports/ and web/. */
const OWN_COMMANDS = new Set(program.commands.map((c) => c.name()));

/** The command word of `args` (what follows the global options), or undefined (none: help). */
function commandWord(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config' || a === '--db') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/**
 * review decide|list and export national|education|flags|summary (review/cli.ts, exports/cli.ts);
 * bidui serve, bidui users add|list: the web review queue (web/cli.ts). Their folders (the web app,
 * exceljs...) are loaded only when the command is not one of the above, or to list every command.
 */
async function registerOtherCommands(): Promise<void> {
  const word = commandWord(process.argv.slice(2));
  if (word !== undefined && word !== 'help' && OWN_COMMANDS.has(word)) return;
  const [review, exports, web] = await Promise.all([import('../review/index.js'), import('../exports/index.js'), import('../web/index.js')]);
  review.registerReviewCommands(program, () => openStore(config().database));
  exports.registerExportCommands(program, () => openStore(config().database));
  web.registerWebCommands(program, () => openStore(config().database));
}

registerOtherCommands().then(() => program.parseAsync(process.argv)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`配置错误 (configuration error):\n${err.message}`);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
