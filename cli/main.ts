#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type Config, type FeedName } from '../config/index.js';
import type { Db } from '../pipeline/store/index.js';
import { feedLabel, printIngestSummary, printPullReports, printPulls, printQuarter, printStatus, printUnreadFolders, progressLine, type PullStatusRow } from './print.js';

/** The progress bar (cli-progress) or JSON lines, loaded by the commands that report progress. */
const progressReporter = async () => (await import('./progress.js')).progressReporter();
import { registerKeyCommands } from './key.js';
import { localise, resourceErrorZh } from './zh.js';

// A command loads what it uses when it runs (DuckDB, exceljs, the connectors, BullMQ, the web app):
// the many short `bidui` processes of scripts, tests and workers start quicker.
const openStore = async (path: string): Promise<Db> => (await import('../pipeline/store/index.js')).openStore(path);
const connectors = () => import('../connectors/index.js');

// Chinese help and commander errors (cli/zh.ts): set before any command is added, so that every command inherits them.
const program = localise(new Command());
program
  .name('bidui')
  .description('比对：每季度将儿童福利保障名册与各部门数据（死亡、限制人身自由、残疾人证、学籍）逐一比对')
  .option('-c, --config <file>', '配置文件（JSON 格式）；不指定时使用默认配置')
  .option('--db <path>', '数据库文件（DuckDB），指定后不用配置文件中的数据库')
  .addOption(
    new Option('--log-level <level>', '运行日志（JSON 格式，写到标准错误）的详细程度；在终端上默认不显示，也可用环境变量 BIDUI_LOG_LEVEL 设置').choices([
      'silent',
      'error',
      'warn',
      'info',
      'debug',
    ]),
  )
  .showHelpAfterError();

// --log-level: the logger exists before the arguments are read; child processes (workers) inherit the variable.
program.hook('preAction', async () => {
  const level = program.opts<{ logLevel?: string }>().logLevel;
  if (!level) return;
  process.env.BIDUI_LOG_LEVEL = level;
  const { log } = await import('../pipeline/log.js');
  log.level = level;
});

/** Each pulled source of the configuration with its pull_state row (null: never pulled). */
async function pullStatus(cfg: Config, db: Db): Promise<PullStatusRow[]> {
  const { pulledSources, pullStates } = await connectors();
  const states = await pullStates(db);
  return pulledSources(cfg).map((s) => ({ source: s.name, feed: s.feed, state: states.find((x) => x.source === s.name) ?? null }));
}

function config(): Config {
  const opts = program.opts<{ config?: string; db?: string }>();
  return loadConfig(opts.config, opts.db ? { database: opts.db } : {});
}

program
  .command('synth')
  .description('生成一套模拟数据（一个虚构的省）：各部门数据文件和标准答案，用于试用和测试')
  .requiredOption('--out <dir>', '输出文件夹（其中写入 inbox/ 数据文件和 truth/ 标准答案）')
  .option('--seed <n>', '随机数种子（同一种子生成同样的数据）', '1')
  .addOption(new Option('--size <size>', '数据规模').choices(['tiny', 'small', 'medium', 'province']).default('small'))
  .option('--as-of <date>', '标准答案对应的截止日期（季度末）', '2026-09-30')
  .option('--province <code>', '省份代码（2 位数字）', '44')
  .option('--json', '以 JSON 格式输出摘要')
  .action(async (o: { out: string; seed: string; size: string; asOf: string; province: string; json?: boolean }) => {
    const { generateProvince, synthOptionsSchema } = await import('../synth/index.js');
    const opts = synthOptionsSchema.parse({
      seed: Number(o.seed),
      size: o.size,
      out: o.out,
      asOf: o.asOf,
      province: o.province,
      onProgress: process.stderr.isTTY ? (stage: string, done: number, total: number) => progressLine(`生成模拟数据 ${stage} ${done}/${total}`) : undefined,
    });
    const summary = await generateProvince(opts);
    if (process.stderr.isTTY) progressLine(null);
    if (o.json) console.log(JSON.stringify(summary, null, 2));
    else console.log(`合成数据已写入 ${o.out} (inbox/ 与 truth/)`);
  });

program
  .command('ingest')
  .description('导入数据：把收件文件夹（<inbox>/<数据源>/*）中的新文件载入数据库；已导入过的文件自动跳过')
  .option('--inbox <dir>', '收件文件夹（指定后不用配置文件中的设置）')
  .option('--json', '以 JSON 格式输出每个文件的导入结果')
  .option('--retry-failed', '重新读取以前导入失败的文件（否则内容未变的失败文件会被跳过）')
  .action(async (o: { inbox?: string; json?: boolean; retryFailed?: boolean }) => {
    const cfg = config();
    const db = await openStore(cfg.database);
    const { ingestInbox, unreadFolders } = await connectors();
    const { ingestProgressOf, ingestDone } = await import('../jobs/index.js');
    const started = performance.now();
    const progress = await progressReporter();
    const reports = await ingestInbox(db, cfg, { inbox: o.inbox, retryFailed: o.retryFailed, onProgress: ingestProgressOf(progress.onProgress) });
    ingestDone(progress.onProgress, reports);
    progress.stop();
    if (o.json) console.log(JSON.stringify(reports, null, 2));
    else {
      printIngestSummary(reports, (performance.now() - started) / 1000);
      printUnreadFolders(await unreadFolders(cfg, o.inbox));
    }
    if (reports.some((r) => r.status === 'failed')) process.exitCode = 3;
  });

program
  .command('status')
  .description('查看数据库状态：各数据源的导入批次、行数、隔离行和数据质量提示')
  .option('--json', '以 JSON 格式输出')
  .option('--queue [url]', '同时显示任务队列、运行中和失败的任务及定时任务（可跟 Redis 地址；默认用配置中的 jobs.queue）')
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
        const pulls = await pullStatus(cfg, db);
        if (o.json) console.log(JSON.stringify({ ...status, pulls }, null, 2));
        else {
          printStatus(status);
          printPulls(pulls);
        }
      } catch (err) {
        if (!o.json) console.log(`数据库正被其他进程使用：${(err as Error).message.split('\n')[0]}`);
      }
      return;
    }
    const db = await openStore(cfg.database);
    const status = await storeStatus(db);
    const pulls = await pullStatus(cfg, db);
    if (o.json) console.log(JSON.stringify({ ...status, pulls }, null, 2));
    else {
      printStatus(status);
      printPulls(pulls);
      // The quick start writes its own store: an empty default store is most often the wrong one.
      const demo = resolve('data/demo/bidui.duckdb');
      if (!status.batches.length && resolve(cfg.database) !== demo && existsSync(demo)) {
        console.log(`提示：数据库 ${resolve(cfg.database)} 中还没有数据。演示数据在 ${demo}，可用 bidui --db ${demo} status 查看。`);
      }
    }
  });

program
  .command('pull')
  .description('从数据共享平台拉取数据：按配置中设置了 pull 的数据源，拉取上次以来变化的记录，每次写成一个 JSON Lines 文件放入收件文件夹，然后导入')
  .option('--source <name>', '只拉取该数据源（默认：全部拉取数据源）')
  .option('--no-ingest', '只拉取，不导入（文件留在收件文件夹，下次导入时载入）')
  .option('--json', '以 JSON 格式输出')
  .action(async (o: { source?: string; ingest: boolean; json?: boolean }) => {
    const cfg = config();
    const { pullSources, pulledSources, ingestInbox, PullError } = await connectors();
    if (!pulledSources(cfg).length) {
      console.error('配置的 sources 中没有拉取数据源（设置了 pull 的数据源）；见 README「Pulled sources」');
      process.exitCode = 2;
      return;
    }
    const db = await openStore(cfg.database);
    let reports;
    try {
      reports = await pullSources(db, cfg, { source: o.source });
    } catch (err) {
      if (!(err instanceof PullError)) throw err;
      console.error(err.message);
      process.exitCode = 2;
      return;
    }
    const feeds = [...new Set(reports.filter((r) => r.file).map((r) => r.feed as FeedName))];
    const ingest = o.ingest && feeds.length ? await ingestInbox(db, cfg, { feeds }) : [];
    if (o.json) console.log(JSON.stringify({ pulls: reports, ingest }, null, 2));
    else {
      printPullReports(reports);
      if (ingest.length) printIngestSummary(ingest, ingest.reduce((a, r) => a + r.seconds, 0));
    }
    if (reports.some((r) => r.status === 'failed') || ingest.some((r) => r.status === 'failed')) process.exitCode = 3;
  });

program
  .command('quarter')
  .description('季度比对：导入新数据、匹配人员、按截止日期判定规则，写出标记清单 flags.csv')
  .requiredOption('--as-of <date>', '数据截止日期（YYYY-MM-DD），通常为季度末')
  .option('--inbox <dir>', '先导入的收件文件夹（指定后不用配置文件中的设置）')
  .requiredOption('--out <dir>', '标记清单 flags.csv 的输出文件夹')
  .option('--json', '以 JSON 格式输出比对结果摘要')
  .option('--queue [url]', '把人员匹配和规则判定分片交给 bidui worker 工作进程处理（可跟 Redis 地址；默认用配置中的 jobs.queue）')
  .action(async (o: { asOf: string; inbox?: string; out: string; json?: boolean; queue?: string | boolean }) => {
    const jobs = await import('../jobs/index.js');
    const cfg = config();
    const db = await openStore(cfg.database);
    // In this process by default; partition steps on `bidui worker` processes with --queue.
    const executor = o.queue ? jobs.queueExecutor(cfg, jobs.queueUrl(cfg, o.queue)) : jobs.embeddedExecutor(jobs.resultsRoot(cfg));
    const progress = await progressReporter();
    try {
      const result = await jobs.runQuarter(db, cfg, { asOf: o.asOf, inbox: o.inbox, out: o.out, executor, onProgress: progress.onProgress });
      progress.stop();
      if (o.json) console.log(JSON.stringify(result, null, 2));
      else {
        printQuarter(result, resolve(cfg.database));
        if (result.status === 'incomplete') console.log(`本次比对不完整：${result.failures.map((f) => `${f.step} ${f.partition}: ${f.error}`).join('; ')}`);
      }
      if (result.status === 'incomplete') process.exitCode = 3;
    } finally {
      progress.stop();
      await executor.close?.();
    }
  });

const rulesCommand = program.command('rules').description('比对规则');
rulesCommand
  .command('explain')
  .description('说明某个儿童的判定过程：哪些条件成立、依据哪些记录')
  .argument('<child>', '儿童的身份证号、儿童编号、人员编号，或 review list 列出的标记编号')
  .requiredOption('--as-of <date>', '数据截止日期（YYYY-MM-DD）')
  .option('--need-to-know', '按有限制知悉权限的角色说明（含艾滋病病毒感染信息）；不加时不显示任何限制知悉的记录和标记')
  .action(async (child: string, o: { asOf: string; needToKnow?: boolean }) => {
    const { explainChild } = await import('../rules/index.js');
    const cfg = config();
    const db = await openStore(cfg.database);
    const lines = await explainChild(db, cfg, child, o.asOf, undefined, { needToKnow: o.needToKnow === true });
    console.log(lines.join('\n'));
  });
rulesCommand
  .command('preview')
  .description('规则预演：用候选规则配置重新计算某期比对的数据，列出与现行规则相比会新增和不再提出的标记（不保存任何结果）')
  .requiredOption('--profile <file>', '候选规则配置文件（JSON，可用 "extends" 继承现行配置）')
  .option('--as-of <date>', '按此截止日期计算（YYYY-MM-DD；默认用该期比对的截止日期）')
  .option('--run <id>', '季度比对编号（默认最近一期完成的比对）')
  .option('--examples <n>', '每组列出的示例数', '3')
  .option('--need-to-know', '操作者有知悉权限：包括艾滋病病毒感染儿童的标记（不加时不计入）')
  .option('--json', '以 JSON 输出')
  .action(async (o: { profile: string; asOf?: string; run?: string; examples: string; needToKnow?: boolean; json?: boolean }) => {
    const jobs = await import('../jobs/index.js');
    const cfg = config();
    let candidate;
    try {
      candidate = jobs.loadCandidateProfile(o.profile);
    } catch (err) {
      if (!(err instanceof jobs.ProfileError)) throw err;
      console.error(err.message);
      process.exitCode = 2;
      return;
    }
    const db = await openStore(cfg.database);
    try {
      const result = await jobs.previewProfile(db, { candidate, live: cfg, runId: o.run, asOf: o.asOf, needToKnow: !!o.needToKnow, examples: Number(o.examples) || 3 });
      console.log(o.json ? JSON.stringify(result, null, 2) : jobs.formatPreview(result, !!o.needToKnow).join('\n'));
    } catch (err) {
      if (!(err instanceof jobs.ProfileError)) throw err;
      console.error(err.message);
      process.exitCode = 2;
    }
  });

program
  .command('demo')
  .description('快速体验：用一套小规模模拟数据完整走一遍两个季度的比对、审核和导出（写在 data/demo/ 下）')
  .option('--dir <dir>', '演示数据写入的文件夹', 'data/demo')
  .option('--serve', '完成后启动网页审核队列（bidui serve），使用演示数据库')
  .option('--port <n>', '网页审核队列的端口', '8080')
  .action(async (o: { dir: string; serve?: boolean; port: string }) => {
    const { runDemo } = await import('./demo.js');
    const demo = await runDemo(o.dir);
    // The end: demo accounts and the URL of the web review queue (web/demo.ts).
    const { demoReviewQueue } = await import('../web/index.js');
    await demoReviewQueue(demo.db, { database: demo.database, county: demo.county, serve: o.serve, port: Number(o.port) });
  });

// jobs/: bidui worker, bidui schedule (BullMQ on Redis)
program
  .command('worker')
  .description('工作进程：处理任务队列中的分片任务；加 --owner 时还负责扫描收件文件夹、导入和季度比对（即管理数据库文件的进程）')
  .option('--queue <url>', 'Redis 地址（默认用配置中的 jobs.queue）')
  .option('--concurrency <n>', '本进程同时处理的任务数（默认用配置中的 jobs.concurrency）')
  .option('--owner', '同时处理数据库任务：打开数据库文件（每个数据库文件只能有一个这样的进程）')
  .addOption(new Option('--step-delay <ms>', '每个分片任务暂停的毫秒数（仅测试用）').hideHelp())
  .action(async (o: { queue?: string; concurrency?: string; owner?: boolean; stepDelay?: string }) => {
    const { startWorkers, queueUrl } = await import('../jobs/index.js');
    const cfg = config();
    const running = await startWorkers(cfg, {
      url: queueUrl(cfg, o.queue),
      concurrency: o.concurrency ? Number(o.concurrency) : undefined,
      owner: o.owner,
      stepDelayMs: o.stepDelay ? Number(o.stepDelay) : undefined,
    });
    console.log(`工作进程已启动（进程号 ${process.pid}）`);
    const stop = () => void running.close().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

program
  .command('schedule')
  .description('登记定时任务：每个数据来源按其时间表自动导入，另加季度比对；已删除的来源的定时任务随之删除')
  .option('--queue <url>', 'Redis 地址（默认用配置中的 jobs.queue）')
  .option('--json', '以 JSON 格式输出')
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
registerKeyCommands(program, () => config().database, () => openStore(config().database));

const OWN_COMMANDS = new Set(program.commands.map((c) => c.name()));

/** The command word of `args` (what follows the global options), or undefined (none: help). */
function commandWord(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config' || a === '--db' || a === '--log-level') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/**
 * review decide|answer|approve|list and export national|education|flags|summary (review/cli.ts, exports/cli.ts);
 * quarantine list|export (cli/quarantine.ts);
 * bidui serve, bidui users add|list: the web review queue (web/cli.ts). Their folders (the web app,
 * exceljs...) are loaded only when the command is not one of the above, or to list every command.
 */
async function registerOtherCommands(): Promise<void> {
  const word = commandWord(process.argv.slice(2));
  if (word !== undefined && word !== 'help' && OWN_COMMANDS.has(word)) return;
  const [review, exports, web, quarantine] = await Promise.all([
    import('../review/index.js'),
    import('../exports/index.js'),
    import('../web/index.js'),
    import('./quarantine.js'),
  ]);
  review.registerReviewCommands(program, () => openStore(config().database));
  exports.registerExportCommands(program, () => openStore(config().database));
  exports.registerExchangeCommands(program, () => openStore(config().database));
  quarantine.registerQuarantineCommands(program, () => openStore(config().database));
  review.registerRetentionCommands(program, () => openStore(config().database), () => config().profile.retention.feedDays);
  web.registerWebCommands(program, () => openStore(config().database));
}

registerOtherCommands().then(() => program.parseAsync(process.argv)).catch(async (err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`配置错误：\n${err.message}`);
    process.exit(2);
  }
  if (err instanceof Error) {
    const resource = resourceErrorZh(err.message, (await import('../pipeline/store/index.js')).memoryLimit());
    console.error(resource ?? err.message);
  } else console.error(err);
  process.exit(1);
});
