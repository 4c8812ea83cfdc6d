// The quick start: a small synthetic province, one quarter end to end, a few review decisions and
// every export, all under one folder. Re-running starts the store afresh (the province is reused).
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/index.js';
import { EXPORT_KINDS, purposeLabel, runExport } from '../exports/index.js';
import { assertStoreFree, queryRows, openStore, type Db } from '../pipeline/store/index.js';
import { approve, decide, retentionLine } from '../review/index.js';
import { runQuarter } from '../jobs/index.js';
import { generateProvince, synthOptionsSchema } from '../synth/index.js';
import { printQuarter } from './print.js';

export const DEMO_AS_OF = '2026-09-30';
/** The demo's accounts of the web review queue (web/demo.ts) make its sample decisions. */
const DEMO_REVIEWER = 'demo_reviewer';
const DEMO_SUPERVISOR = 'demo_supervisor';

export interface DemoResult {
  dir: string;
  db: Db;
  database: string;
}

export async function runDemo(dirOption: string): Promise<DemoResult> {
  const dir = resolve(dirOption);
  const province = join(dir, 'province');
  if (!existsSync(join(province, 'truth'))) {
    await generateProvince(synthOptionsSchema.parse({ seed: 1, size: 'small', out: province, asOf: DEMO_AS_OF }));
    console.log(`① 合成省份数据(可复现, seed 1): ${province}/inbox  真值: ${province}/truth`);
  } else console.log(`① 合成省份数据已存在: ${province}/inbox`);

  const database = join(dir, 'bidui.duckdb');
  // A store another process has open (bidui serve on the demo) is never deleted under it.
  await assertStoreFree(database);
  for (const f of [database, database + '.wal']) rmSync(f, { force: true });
  const cfg = loadConfig(undefined, { database, inbox: join(province, 'inbox') });
  const db = await openStore(database);
  console.log(`② 季度比对 (截至 ${DEMO_AS_OF}): 导入、人员匹配、规则判定`);
  const result = await runQuarter(db, cfg, { asOf: DEMO_AS_OF, out: join(dir, 'out') });
  printQuarter(result);
  console.log(`   ${retentionLine(result.retention)}`);

  // A few decisions, as caseworkers would make them: confirmations and one rejection with its reason.
  const pick = (flag: string, n: number) =>
    queryRows<{ flag_id: string }>(db, `SELECT flag_id FROM flags WHERE run_id = '${result.runId}' AND flag = '${flag}' ORDER BY flag_id LIMIT ${n}`);
  const decisions: string[] = [];
  for (const { flag_id } of await pick('ADD', 2)) {
    await decide(db, { flagId: flag_id, decision: 'confirmed', by: DEMO_REVIEWER });
    decisions.push(`确认 ADD ${flag_id}`);
  }
  for (const { flag_id } of await pick('REMOVE', 1)) {
    // Four-eyes: a reviewer confirms a REMOVE, a supervisor approves it; only then is it sent on.
    await decide(db, { flagId: flag_id, decision: 'confirmed', by: DEMO_REVIEWER });
    await approve(db, { flagId: flag_id, by: DEMO_SUPERVISOR, mayApprove: true, note: '已核实' });
    decisions.push(`确认并经主管复核 REMOVE ${flag_id}`);
  }
  for (const { flag_id } of await pick('RECLASSIFY', 1)) {
    await decide(db, { flagId: flag_id, decision: 'rejected', reason: '入户核实: 情况与登记一致', by: DEMO_REVIEWER });
    decisions.push(`驳回 RECLASSIFY ${flag_id}`);
  }
  console.log(`③ 审核决定 (示例): ${decisions.join('; ')}`);

  const exportsDir = join(dir, 'exports');
  console.log(`④ 导出 (${exportsDir}; 按无限制知悉权限导出，限制知悉的标记不在其中，见 bidui export --need-to-know):`);
  for (const kind of EXPORT_KINDS) {
    const r = await runExport(db, kind, { runId: result.runId, outDir: exportsDir, by: DEMO_SUPERVISOR });
    for (const f of r.files) console.log(`  ${f.path} (${f.rows} 行；${purposeLabel(f)})`);
    for (const f of r.files.filter((x) => x.format === 'pdf')) console.log(`  打开季度比对报告: xdg-open "${f.path}"（或用任一 PDF 阅读器打开）`);
  }
  console.log(`⑤ 标记清单: ${join(dir, 'out', 'flags.csv')}   数据库: ${database}`);
  return { dir, db, database };
}
