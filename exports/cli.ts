// `bidui export …`. Registered from cli/main.ts with registerExportCommands; the exporters
// (exceljs, apache-arrow) load only when the command runs.
import { Argument, type Command } from 'commander';
import type { Db } from '../pipeline/store/index.js';

const KINDS = ['national', 'education', 'flags', 'summary'] as const;

export function registerExportCommands(program: Command, openDb: () => Promise<Db>): void {
  program
    .command('export')
    .description(
      'write the files of a run: national (全国儿童福利信息系统变动, XLSX + GB18030 CSV), education (控辍保学名单), ' +
        'flags (all flags for analysts, Parquet + Arrow), summary (季度汇总报告, XLSX); every file is audited',
    )
    .addArgument(new Argument('<kind>', 'what to export').choices(KINDS))
    .option('--run <runId>', 'run (default: the latest complete run)')
    .option('--county <code>', 'only this county (6 digits) or city/province prefix')
    .requiredOption('--out <dir>', 'output folder')
    .requiredOption('--by <user>', 'who exports (written to the audit log)')
    .option(
      '--need-to-know',
      'the exporter holds the need-to-know grant (RULES.md §4): include HIV flags and criminal-record reasons and evidence ' +
        '(default: left out / masked, as for a reviewer without the grant; recorded in the audit log)',
    )
    .option('--json', 'print the result as JSON')
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
