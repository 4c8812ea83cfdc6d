// `bidui exchange request`: the query list for an agency (exchange.ts). Registered from cli/main.ts.
import type { Command } from 'commander';
import type { Db } from '../pipeline/store/index.js';
import { beijingTime } from '../pipeline/timing.js';
import { FEED_LABELS } from '../pipeline/feeds.js';
import type { FeedName } from '../config/index.js';

const FEEDS_ASKED = ['death', 'incarceration', 'disability', 'enrollment'] as const;

export function registerExchangeCommands(program: Command, openDb: () => Promise<Db>): void {
  const exchange = program.command('exchange').description('信息查询：向不能共享数据的部门发送查询名单，其答复文件放入收件文件夹后按查询编号关联');
  exchange
    .command('request')
    .description(
      '制作查询名单：在保儿童及其父母、委托照护人，每人一个查询编号（XLSX 含答复格式，另有 GB18030 编码的 CSV）；记入审计日志。' +
        '对方答复的文件保留查询编号列，放入 <收件文件夹>/<数据类型>/ 后照常导入；名单中未被答复提及的人员在规则说明中记为“截至答复日期无记录”',
    )
    .requiredOption('--feed <feed>', `查询的数据类型（${FEEDS_ASKED.join('、')}）`)
    .requiredOption('--out <dir>', '输出文件夹')
    .option('--by <user>', '制作人（记入审计日志；默认当前系统用户）')
    .option('--county <code>', '只含该区县（6 位代码）的儿童，也可填市、省代码前几位')
    .option('--json', '以 JSON 格式输出结果')
    .action(async (o: { feed: string; out: string; by?: string; county?: string; json?: boolean }) => {
      const { writeExchangeRequest } = await import('./exchange.js');
      const db = await openDb();
      const r = await writeExchangeRequest(db, { feed: o.feed as never, outDir: o.out, by: o.by ?? process.env.USER ?? 'cli', county: o.county });
      if (o.json) {
        console.log(JSON.stringify(r, null, 2));
        return;
      }
      console.log(`查询名单 ${r.exchangeId}（${r.feed}）：${r.persons} 人，已写入 ${r.files.length} 个文件：`);
      for (const f of r.files) console.log(`  ${f.path}  (${f.rows} 行)`);
      console.log(`答复文件请保留「查询编号」列，放入收件文件夹的 ${r.feed}/ 子文件夹后运行 bidui ingest 或 bidui quarter。`);
    });

  exchange
    .command('list')
    .description('列出已发出的查询名单及答复情况（答复日期、有记录的人数；答复在下一次比对时关联）')
    .option('--json', '以 JSON 格式输出')
    .action(async (o: { json?: boolean }) => {
      const { exchangeSummaries } = await import('../rules/index.js');
      const db = await openDb();
      const list = await exchangeSummaries(db);
      if (o.json) {
        console.log(JSON.stringify(list, null, 2));
        return;
      }
      if (!list.length) console.log('尚未发出查询名单（bidui exchange request）');
      for (const x of list) {
        const answer = x.answered_on
          ? `已答复（截至 ${x.answered_on}）：${x.with_records} 人有记录，${x.persons - x.with_records} 人无记录`
          : '尚未答复（或答复尚未经过比对关联）';
        console.log(`${x.exchange_id}  ${FEED_LABELS[x.feed as FeedName] ?? x.feed}  ${x.persons} 人  ${beijingTime(x.created_at)} 由 ${x.created_by} 发出  ${answer}`);
      }
    });
}
