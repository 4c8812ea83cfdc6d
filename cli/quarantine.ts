// `bidui quarantine list|export`: the rows ingest quarantined (not loaded), with file, sheet row or
// line, field, reason and the value at fault — listed masked, exported in full for the sender (audited).
import { Option, type Command } from 'commander';
import { FEED_SPECS } from '../pipeline/feeds.js';
import type { Db } from '../pipeline/store/index.js';
import { UserError } from '../review/index.js';
import { alignColumns, truncateWidth } from './zh.js';

interface FilterOptions {
  feed?: string;
  batch?: string;
  reason?: string;
}

function withFilters(cmd: Command): Command {
  return cmd
    .addOption(new Option('--feed <feed>', '只看该类数据').choices(Object.keys(FEED_SPECS)))
    .option('--batch <n>', '只看该导入批次（bidui status 列出批次号）')
    .option('--reason <code>', '只看该隔离原因（如 INVALID_DATE、MISSING_REQUIRED）');
}

function filterOf(o: FilterOptions) {
  const batchId = o.batch === undefined ? undefined : Number(o.batch);
  if (batchId !== undefined && !(Number.isInteger(batchId) && batchId > 0)) throw new UserError(`批次号 ${o.batch} 无效：应为正整数`);
  return { feed: o.feed, batchId, reason: o.reason?.trim().toUpperCase() || undefined };
}

export function registerQuarantineCommands(program: Command, openDb: () => Promise<Db>): void {
  const quarantine = program.command('quarantine').description('隔离数据：导入时未载入的数据行（文件、行号、字段、原因、原值），可导出给报送单位更正');

  withFilters(quarantine.command('list').description('列出被隔离的数据行；身份证号部分隐藏（完整内容用 quarantine export 导出）'))
    .option('--limit <n>', '最多列出的行数', '50')
    .option('--page <n>', '第几页（每页 --limit 行）', '1')
    .option('--json', '以 JSON 格式输出')
    .action(async (o: FilterOptions & { limit: string; page: string; json?: boolean }) => {
      const { quarantineRows, maskQuarantineRow } = await import('../exports/index.js');
      const limit = Number(o.limit);
      const page = Number(o.page);
      if (!(Number.isInteger(limit) && limit > 0 && limit <= 10_000)) throw new UserError(`--limit ${o.limit} 无效：应为 1 到 10000 的整数`);
      if (!(Number.isInteger(page) && page > 0)) throw new UserError(`--page ${o.page} 无效：应为正整数`);
      const db = await openDb();
      const { total, rows } = await quarantineRows(db, filterOf(o), { limit, offset: (page - 1) * limit });
      const shown = rows.map(maskQuarantineRow);
      if (o.json) {
        console.log(JSON.stringify({ total, page, limit, rows: shown.map(({ raw: _raw, ...r }) => r) }, null, 2));
        return;
      }
      if (!total) {
        console.log('没有被隔离的数据行。');
        return;
      }
      const table = [
        ['批次', '文件', '位置', '字段', '原因', '原值'],
        ...shown.map((r) => [`#${r.batchId}`, truncateWidth(r.fileName, 36), r.place, r.fieldLabel, r.reasonLabel, truncateWidth((r.value ?? '（空）').replace(/\s+/g, ' '), 40)]),
      ];
      for (const line of alignColumns(table)) console.log(line);
      const from = (page - 1) * limit + 1;
      console.log(
        `共 ${total} 个隔离问题${total > rows.length ? `，本页第 ${from}–${from + rows.length - 1} 个` : ''}。身份证号已部分隐藏；` +
          '完整内容（给报送单位更正）用 bidui quarantine export --out 文件夹 --by 导出人 导出（记入审计日志）。',
      );
    });

  withFilters(quarantine.command('export').description('把被隔离的数据行导出为 XLSX，交报送单位更正后重新报送；含完整身份证号，记入审计日志'))
    .requiredOption('--out <dir>', '输出文件夹')
    .requiredOption('--by <user>', '导出人（记入审计日志）')
    .option('--json', '以 JSON 格式输出结果')
    .action(async (o: FilterOptions & { out: string; by: string; json?: boolean }) => {
      const { exportQuarantine } = await import('../exports/index.js');
      const db = await openDb();
      const r = await exportQuarantine(db, { ...filterOf(o), outDir: o.out, by: o.by });
      if (o.json) console.log(JSON.stringify(r, null, 2));
      else console.log(`已导出 ${r.rows} 个隔离问题（${r.batches.length} 个文件）：${r.file.path}（已记入审计日志 #${r.auditId}）`);
    });
}
