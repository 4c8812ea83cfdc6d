// `bidui export …`. Registered from cli/main.ts with registerExportCommands; the exporters
// (exceljs, apache-arrow) load only when the command runs.
import { Argument, type Command } from 'commander';
import type { Db } from '../pipeline/store/index.js';

const KINDS = ['national', 'education', 'flags', 'summary'] as const;

export function registerExportCommands(program: Command, openDb: () => Promise<Db>): void {
  program
    .command('export')
    .description(
      '导出比对批次的文件：national（全国儿童福利信息系统变动表，XLSX 和 GB18030 编码的 CSV）、education（控辍保学名单）、' +
        'flags（全部标记，供数据分析，Parquet 和 Arrow 格式）、summary（季度汇总报告，XLSX）；每次导出都记入审计日志',
    )
    .addArgument(new Argument('<kind>', '导出内容').choices(KINDS))
    .option('--run <runId>', '比对批次（默认：最近一次完成的比对）')
    .option('--county <code>', '只导出该区县（6 位代码），也可填市、省代码前几位')
    .requiredOption('--out <dir>', '输出文件夹')
    .requiredOption('--by <user>', '导出人（记入审计日志）')
    .option('--need-to-know', '导出人有限制知悉权限：包含艾滋病病毒感染儿童的标记及服刑等限制人身自由的原因和证据（默认不含或隐去；记入审计日志）')
    .option('--json', '以 JSON 格式输出结果')
    .action(async (kind: (typeof KINDS)[number], o: { run?: string; county?: string; out: string; by: string; needToKnow?: boolean; json?: boolean }) => {
      const { runExport } = await import('./index.js');
      const db = await openDb();
      const result = await runExport(db, kind, { runId: o.run, county: o.county, outDir: o.out, by: o.by, needToKnow: o.needToKnow === true });
      if (o.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(`比对批次 ${result.runId}${result.county ? `，区划 ${result.county}` : ''}，已写入 ${result.files.length} 个文件:`);
      for (const f of result.files) console.log(`  ${f.path}  (${f.rows} 行)`);
    });
}
