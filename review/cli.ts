// `bidui review …` subcommands. Registered from cli/main.ts with registerReviewCommands.
import type { Command } from 'commander';
import { maskId } from '../pipeline/log.js';
import type { Db } from '../pipeline/store/index.js';
import { categoryLabel, flagLabel, NEEDS_INFO_DAYS, reasonLabel, statusLabel, type DecisionKind } from '../flags/index.js';
import { answerNeedsInfo, approve, decide, reviewQueue } from './decisions.js';
import { UserError } from './errors.js';
import { applyRetention, type RetentionResult } from './retention.js';
import { resolveRun } from './runs.js';

export function registerReviewCommands(program: Command, openDb: () => Promise<Db>): void {
  const review = program.command('review').description('审核：对比对批次中的标记作出审核决定');

  review
    .command('decide')
    .description('对一条标记作出审核决定：确认、驳回（须写明理由）或要求补充材料')
    .argument('<flagId>', '标记编号')
    .option('--confirm', '确认该标记')
    .option('--reject', '驳回该标记；须同时用 --reason 写明理由')
    .option('--needs-info', '要求补充材料；须同时用 --reason 写明缺少什么')
    .option('--reason <text>', '驳回理由，或需要补充的材料')
    .option('--due <date>', `要求补充材料时的补充期限（YYYY-MM-DD；默认 ${NEEDS_INFO_DAYS} 天后）；逾期未补充的标记回到待审核`)
    .requiredOption('--by <user>', '审核人')
    .option('--run <runId>', '标记所在的比对批次（默认：含有该标记的最近一批）')
    .action(async (flagId: string, o: { confirm?: boolean; reject?: boolean; needsInfo?: boolean; reason?: string; due?: string; by: string; run?: string }) => {
      const chosen: DecisionKind[] = [];
      if (o.confirm) chosen.push('confirmed');
      if (o.reject) chosen.push('rejected');
      if (o.needsInfo) chosen.push('needs_info');
      if (chosen.length !== 1) throw new UserError('请在 --confirm、--reject、--needs-info 中选择且只选择一项');
      const db = await openDb();
      const d = await decide(db, { flagId, runId: o.run, decision: chosen[0]!, reason: o.reason, dueOn: o.due, by: o.by });
      console.log(
        `已记录审核决定 #${d.decisionId}: 标记 ${d.flagId}（比对批次 ${d.runId}）${statusLabel(d.decision)}${d.dueOn ? `，补充期限 ${d.dueOn}` : ''}，审核人 ${d.decidedBy}`,
      );
    });

  review
    .command('answer')
    .description('记录收到的补充材料：答复“待补充材料”的要求，标记回到待审核')
    .argument('<flagId>', '标记编号')
    .requiredOption('--note <text>', '收到的补充材料（来源、内容）')
    .requiredOption('--by <user>', '记录人')
    .option('--run <runId>', '标记所在的比对批次（默认：含有该标记的最近一批）')
    .action(async (flagId: string, o: { note: string; by: string; run?: string }) => {
      const db = await openDb();
      const d = await answerNeedsInfo(db, { flagId, runId: o.run, answer: o.note, by: o.by });
      console.log(`已记录补充材料 #${d.decisionId}: 标记 ${d.flagId}（比对批次 ${d.runId}）回到待审核，记录人 ${d.decidedBy}`);
    });

  review
    .command('approve')
    .description('主管复核：批准审核人已确认的“应退未退”标记（须由确认人以外的主管复核）')
    .argument('<flagId>', '标记编号')
    .requiredOption('--by <user>', '复核人（主管）')
    .option('--note <text>', '复核意见')
    .option('--run <runId>', '标记所在的比对批次（默认：含有该标记的最近一批）')
    .action(async (flagId: string, o: { by: string; note?: string; run?: string }) => {
      const db = await openDb();
      // The CLI runs on the bureau's own machine: whoever runs it speaks for a supervisor.
      const d = await approve(db, { flagId, runId: o.run, by: o.by, note: o.note, mayApprove: true });
      console.log(`已记录主管复核 #${d.decisionId}: 标记 ${d.flagId}（比对批次 ${d.runId}）${statusLabel(d.decision)}，复核人 ${d.decidedBy}`);
    });

  review
    .command('list')
    .description('列出比对批次中的标记及其最新审核状态；身份证号部分隐藏')
    .option('--run <runId>', '比对批次（默认：最近一次完成的比对）')
    .option('--county <code>', '只列出该区县的标记（也可填市、省代码前几位）')
    .option('--json', '以 JSON 格式输出')
    .action(async (o: { run?: string; county?: string; json?: boolean }) => {
      const db = await openDb();
      const run = await resolveRun(db, o.run);
      const items = (await reviewQueue(db, run.runId, { county: o.county })).map((i) => ({ ...i, childIdNumber: maskId(i.childIdNumber) }));
      if (o.json) {
        console.log(JSON.stringify(items, null, 2));
        return;
      }
      console.log(`比对批次 ${run.runId}（数据截止 ${run.asOf}），共 ${items.length} 条标记`);
      console.log(['标记编号', '类型', '原因', '保障类别', '姓名', '身份证号', '区县', '优先级', '审核状态', '审核人', '补充材料'].join('\t'));
      for (const i of items) {
        console.log(
          [
            i.flagId,
            flagLabel(i.flag),
            reasonLabel(i.reason),
            categoryLabel(i.category) + (i.previousCategory ? `（原 ${categoryLabel(i.previousCategory)}）` : ''),
            i.childName ?? '',
            i.childIdNumber,
            i.countyCode ?? '',
            String(i.priority),
            i.statusLabel,
            i.decidedBy ?? '',
            i.followUpLabel ? `${i.followUpLabel}（期限 ${i.infoDueOn}）` : '',
          ].join('\t'),
        );
      }
    });
}

/** One line for the operator: what retention deleted (the CLI, the quarter printout, the demo). */
export function retentionLine(r: RetentionResult): string {
  const total = Object.values(r.deleted).reduce((n, x) => n + x, 0);
  return `数据保留期 ${r.feedDays} 天（${r.cutoff.slice(0, 10)} 之前载入的源数据）：${r.batches.length} 个批次，删除 ${total} 行源数据、${r.quarantine} 行隔离记录，` +
    `为保留期内标记的证据保留 ${r.kept} 行；已记入审计日志（#${r.auditId}）`;
}

/** `bidui retention apply`: deletes the feeds past retention.feedDays (RULES.md §4), audited. */
export function registerRetentionCommands(program: Command, openDb: () => Promise<Db>, feedDays: () => number): void {
  program
    .command('retention')
    .description('数据保留期：部门数据保留 retention.feedDays 天；标记、审核决定和审计日志长期保留')
    .command('apply')
    .description('删除导入已超过保留天数的部门数据（含隔离行和数据质量提示）；记入审计日志，每次季度比对开始时也会执行')
    .option('--by <user>', '操作人（记入审计日志）', 'system')
    .option('--json', '以 JSON 格式输出结果')
    .action(async (o: { by: string; json?: boolean }) => {
      const db = await openDb();
      const r = await applyRetention(db, { feedDays: feedDays(), actor: o.by });
      console.log(o.json ? JSON.stringify(r, null, 2) : retentionLine(r));
    });
}
