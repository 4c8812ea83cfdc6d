// `bidui export …`. Registered from cli/main.ts with registerExportCommands; the exporters
// (exceljs, apache-arrow, pdfkit) load only when the command runs.
import { Argument, type Command } from 'commander';
import type { Db } from '../pipeline/store/index.js';

const KINDS = ['national', 'provincial', 'education', 'summary', 'flags', 'templates'] as const;

export function registerExportCommands(program: Command, openDb: () => Promise<Db>): void {
  program
    .command('export')
    .description(
      '导出比对批次的文件：national（全国儿童福利信息系统变动表，默认模板 national-v2）、provincial（省级系统变动表，如浙里护苗）、' +
        'education（教育部门适龄儿童名单）、summary（季度比对报告，PDF 和可打印的 XLSX）、flags（全部标记，供数据分析）；' +
        'templates 列出可用的导出模板。每次导出都记入审计日志',
    )
    .addArgument(new Argument('[kind]', '导出内容（用 --template 时可省略）').choices(KINDS))
    .option('--template <name>', '变动表模板：exports/templates/ 中的模板名（如 national-v1、zhelihumiao-v1），或模板 JSON 文件的路径')
    .option('--run <runId>', '比对批次（默认：最近一次完成的比对）')
    .option('--county <code>', '只导出该区县（6 位代码），也可填市、省代码前几位')
    .option('--out <dir>', '输出文件夹（必填）')
    .option('--by <user>', '导出人（必填，记入审计日志）')
    .option('--need-to-know', '导出人有限制知悉权限：包含艾滋病病毒感染儿童的标记及服刑等限制人身自由的原因和证据（默认不含或隐去；记入审计日志）')
    .option('--json', '以 JSON 格式输出结果')
    .action(async (kindArg: (typeof KINDS)[number] | undefined, o: { template?: string; run?: string; county?: string; out?: string; by?: string; needToKnow?: boolean; json?: boolean }) => {
      const { exportChoices, loadTemplate, runExport, purposeLabel } = await import('./index.js');
      const { UserError } = await import('../review/index.js');
      if (kindArg === 'templates') {
        const choices = exportChoices().filter((c) => c.template);
        if (o.json) console.log(JSON.stringify(choices, null, 2));
        else for (const c of choices) console.log(`  ${(c.template ?? c.id).padEnd(18)} ${c.kind === 'national' ? '全国' : '省级'}  ${c.label}`);
        return;
      }
      const template = o.template ? loadTemplate(o.template) : null;
      const kind = kindArg ?? template?.system;
      if (!kind) throw new UserError('请指定导出内容（national、provincial、education、summary、flags），或用 --template 指定模板');
      if (template && kind !== template.system) throw new UserError(`模板 ${template.name} 用于${template.system === 'national' ? '全国（national）' : '省级（provincial）'}系统，与导出内容 ${kind} 不符`);
      if (!o.out) throw new UserError('请指定输出目录（--out）');
      if (!o.by) throw new UserError('请指定导出人（--by）');
      const db = await openDb();
      const result = await runExport(db, kind, { runId: o.run, county: o.county, outDir: o.out, by: o.by, needToKnow: o.needToKnow === true, template: o.template });
      if (o.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      console.log(`比对批次 ${result.runId}${result.county ? `，区划 ${result.county}` : ''}${result.templateVersion ? `，模板 ${result.templateVersion}` : ''}，已写入 ${result.files.length} 个文件:`);
      for (const f of result.files) console.log(`  ${f.path}  (${f.rows} 行；${purposeLabel(f)})`);
    });
}
