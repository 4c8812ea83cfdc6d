// `bidui review …` subcommands. Registered from cli/main.ts with registerReviewCommands.
import type { Command } from 'commander';
import { maskId } from '../pipeline/log.js';
import type { Db } from '../pipeline/store/index.js';
import { categoryLabel, flagLabel, reasonLabel, statusLabel, type DecisionKind } from '../flags/index.js';
import { approve, decide, reviewQueue } from './decisions.js';
import { UserError } from './errors.js';
import { applyRetention, type RetentionResult } from './retention.js';
import { resolveRun } from './runs.js';

export function registerReviewCommands(program: Command, openDb: () => Promise<Db>): void {
  const review = program.command('review').description('review decisions on the flags of a run (审核)');

  review
    .command('decide')
    .description('record a decision on one flag: confirm, reject (with a reason) or ask for more information')
    .argument('<flagId>', 'flag id (标记编号)')
    .option('--confirm', 'confirm the flag (确认)')
    .option('--reject', 'reject the flag (驳回); needs --reason')
    .option('--needs-info', 'ask for more information (待补充材料); needs --reason')
    .option('--reason <text>', 'reason of a rejection, or what information is missing')
    .requiredOption('--by <user>', 'reviewer (审核人)')
    .option('--run <runId>', 'run of the flag (default: the latest run that has it)')
    .action(async (flagId: string, o: { confirm?: boolean; reject?: boolean; needsInfo?: boolean; reason?: string; by: string; run?: string }) => {
      const chosen: DecisionKind[] = [];
      if (o.confirm) chosen.push('confirmed');
      if (o.reject) chosen.push('rejected');
      if (o.needsInfo) chosen.push('needs_info');
      if (chosen.length !== 1) throw new UserError('请在 --confirm、--reject、--needs-info 中选择且只选择一项');
      const db = await openDb();
      const d = await decide(db, { flagId, runId: o.run, decision: chosen[0]!, reason: o.reason, by: o.by });
      console.log(`已记录审核决定 #${d.decisionId}: 标记 ${d.flagId}（比对批次 ${d.runId}）${statusLabel(d.decision)}，审核人 ${d.decidedBy}`);
    });

  review
    .command('approve')
    .description('approve a REMOVE a reviewer confirmed (four-eyes: a supervisor other than the one who confirmed it)')
    .argument('<flagId>', 'flag id (标记编号)')
    .requiredOption('--by <user>', 'supervisor who approves (复核人)')
    .option('--note <text>', 'note on the approval')
    .option('--run <runId>', 'run of the flag (default: the latest run that has it)')
    .action(async (flagId: string, o: { by: string; note?: string; run?: string }) => {
      const db = await openDb();
      // The CLI runs on the bureau's own machine: whoever runs it speaks for a supervisor.
      const d = await approve(db, { flagId, runId: o.run, by: o.by, note: o.note, mayApprove: true });
      console.log(`已记录主管复核 #${d.decisionId}: 标记 ${d.flagId}（比对批次 ${d.runId}）${statusLabel(d.decision)}，复核人 ${d.decidedBy}`);
    });

  review
    .command('list')
    .description('flags of a run with their latest decision; ID numbers masked')
    .option('--run <runId>', 'run (default: the latest complete run)')
    .option('--county <code>', 'only flags of this county (or city/province code prefix)')
    .option('--json', 'print as JSON')
    .action(async (o: { run?: string; county?: string; json?: boolean }) => {
      const db = await openDb();
      const run = await resolveRun(db, o.run);
      const items = (await reviewQueue(db, run.runId, { county: o.county })).map((i) => ({ ...i, childIdNumber: maskId(i.childIdNumber) }));
      if (o.json) {
        console.log(JSON.stringify(items, null, 2));
        return;
      }
      console.log(`比对批次 ${run.runId}（数据截止 ${run.asOf}），共 ${items.length} 条标记`);
      console.log(['标记编号', '类型', '原因', '保障类别', '姓名', '身份证号', '区县', '优先级', '审核状态', '审核人'].join('\t'));
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
    .description('data retention (RULES.md §4): feeds are kept retention.feedDays days; flags, decisions and the audit log are kept')
    .command('apply')
    .description('delete the feed rows, quarantined rows and findings of batches loaded more than retention.feedDays days ago (audited; also run at the start of every quarter)')
    .option('--by <user>', 'operator (written to the audit log)', 'system')
    .option('--json', 'print the result as JSON')
    .action(async (o: { by: string; json?: boolean }) => {
      const db = await openDb();
      const r = await applyRetention(db, { feedDays: feedDays(), actor: o.by });
      console.log(o.json ? JSON.stringify(r, null, 2) : retentionLine(r));
    });
}
