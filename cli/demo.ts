// The quick start: a small synthetic province, two quarters end to end, a few review decisions and
// every export, all under one folder. Each role finds something: the reviewer's county (the focus
// county of the synthetic province) has every flag type in its queue, the two quarters give the
// trend chart and the quarter-over-quarter diff (new, persisting, resolved, suppressed) something
// to show, a decision waits for material (needs info), and a file with bad rows fills the data
// page's quarantine. Re-running starts the store and the inbox afresh (the province is reused).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, type Config } from '../config/index.js';
import { EXPORT_KINDS, locateCjkFont, purposeLabel, runExport, writeExchangeRequest } from '../exports/index.js';
import { checkDigit } from '../pipeline/identity/index.js';
import { defaultKeyFile } from '../pipeline/seal/index.js';
import { assertStoreFree, openStore, queryAll, sql, textList, type Db } from '../pipeline/store/index.js';
import { approve, decide, retentionLine } from '../review/index.js';
import { runQuarter, type QuarterRunResult } from '../jobs/index.js';
import { generateProvince, synthOptionsSchema, type SynthOptionsInput } from '../synth/index.js';
import { printQuarter } from './print.js';
import { progressReporter } from './progress.js';

/** The two quarters of the demo: the first is compared, then the second against it. */
export const DEMO_QUARTERS = ['2026-06-30', '2026-09-30'] as const;
export const DEMO_AS_OF = DEMO_QUARTERS[1];
/** The demo reviewer's county (南山区): the synthetic province gives it a quarter of the households. */
export const DEMO_COUNTY = '440305';
/** The demo's accounts of the web review queue (web/demo.ts) make its sample decisions. */
const DEMO_REVIEWER = 'demo_reviewer';
const DEMO_SUPERVISOR = 'demo_supervisor';

const PROVINCE: SynthOptionsInput = { seed: 1, size: 'small', out: '', asOf: DEMO_AS_OF, focus: { county: DEMO_COUNTY, share: 0.25 } };

export interface DemoResult {
  dir: string;
  db: Db;
  database: string;
  county: string;
  runs: QuarterRunResult[];
}

/**
 * Which files of the province arrive in which quarter: the first quarter gets the registry's first
 * parts and the first files of the death, restriction and disability feeds, the second the rest. The
 * school roll (dated September, the new school year) arrives in the second quarter only: the first
 * shows the warning for an expected feed not delivered, and raises no 未入学 flag (RULES.md §3).
 */
function quarterOf(feed: string, file: string): 0 | 1 {
  const part = Number(/(?:part|_)(\d+)\.\w+$/.exec(file)?.[1] ?? 1);
  if (feed === 'enrollment') return 1;
  return feed === 'registry' ? (part <= 4 ? 0 : 1) : part <= 3 ? 0 : 1;
}

/** Why the quarterly report's PDF cannot be written here (no CJK font), or null. */
function cjkFontProblem(): string | null {
  try {
    locateCjkFont();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A late death report with two bad rows (an impossible date, a missing one): the data page's quarantine. */
function badRowsFile(): string {
  const id = (first17: string) => first17 + checkDigit(first17);
  return [
    '姓名,身份证号,死亡日期,数据来源,记录编号',
    `陈建国,${id('44030519500315003')},2026-02-30,公安,BB-1`,
    `林秀英,${id('44030519480722004')},,卫健,BB-2`,
    `黄志强,${id('44030519521108001')},2026-08-12,公安,BB-3`,
  ].join('\r\n');
}

function deliver(province: string, inbox: string, quarter: 0 | 1): number {
  let n = 0;
  for (const feed of readdirSync(join(province, 'inbox'))) {
    mkdirSync(join(inbox, feed), { recursive: true });
    for (const file of readdirSync(join(province, 'inbox', feed))) {
      if (quarterOf(feed, file) !== quarter) continue;
      copyFileSync(join(province, 'inbox', feed, file), join(inbox, feed, file));
      n++;
    }
  }
  if (quarter === 1) {
    writeFileSync(join(inbox, 'death', 'death_20260930_补报.csv'), badRowsFile() + '\r\n');
    n++;
  }
  return n;
}

/** Flags of a run to decide on: the reviewer's county first (its queue shows the decisions), then others. */
async function pick(db: Db, runId: string, flag: string, n: number, skip: readonly string[] = []): Promise<string[]> {
  const rows = await queryAll(
    db,
    z.object({ flag_id: z.string() }),
    sql`SELECT flag_id FROM flags WHERE run_id = ${runId} AND flag = ${flag} AND NOT list_contains(${textList(skip)}, flag_id)
         ORDER BY county_code = ${DEMO_COUNTY} DESC, flag_id LIMIT ${n}`,
  );
  return rows.map((r) => r.flag_id);
}

async function quarter(db: Db, cfg: Config, asOf: string, out: string): Promise<QuarterRunResult> {
  const progress = progressReporter();
  try {
    return await runQuarter(db, cfg, { asOf, out, onProgress: progress.onProgress });
  } finally {
    progress.stop();
  }
}

export async function runDemo(dirOption: string): Promise<DemoResult> {
  const dir = resolve(dirOption);
  const province = join(dir, 'province');
  const options = join(province, 'demo-options.json');
  const wanted = JSON.stringify({ ...PROVINCE, out: undefined });
  if (!existsSync(join(province, 'truth')) || !existsSync(options) || readFileSync(options, 'utf8') !== wanted) {
    await generateProvince(synthOptionsSchema.parse({ ...PROVINCE, out: province }));
    writeFileSync(options, wanted);
    console.log(`① 合成省份数据(可复现, seed 1): ${province}/inbox  真值: ${province}/truth`);
  } else console.log(`① 合成省份数据已存在: ${province}/inbox`);

  const database = join(dir, 'bidui.duckdb');
  // A store another process has open (bidui serve on the demo) is never deleted under it.
  await assertStoreFree(database);
  for (const f of [database, database + '.wal']) rmSync(f, { force: true });
  const inbox = join(dir, 'inbox');
  rmSync(inbox, { recursive: true, force: true });
  const cfg = loadConfig(undefined, { database, inbox });
  const db = await openStore(database);

  // The first quarter, and the reviewer's first decisions: a confirmation and a rejection (the
  // rejected flag is not raised again next quarter while its evidence is unchanged).
  const [q1, q2] = DEMO_QUARTERS;
  console.log(`② 第一季度比对 (截至 ${q1})：收到 ${deliver(province, inbox, 0)} 个文件，导入、人员匹配、规则判定`);
  const first = await quarter(db, cfg, q1, join(dir, 'out', q1));
  printQuarter(first, database);
  const firstDecisions: string[] = [];
  for (const id of await pick(db, first.runId, 'ADD', 1)) {
    await decide(db, { flagId: id, runId: first.runId, decision: 'confirmed', by: DEMO_REVIEWER });
    firstDecisions.push(`确认 ADD ${id}`);
  }
  for (const id of await pick(db, first.runId, 'RECLASSIFY', 1)) {
    await decide(db, { flagId: id, runId: first.runId, decision: 'rejected', reason: '入户核实: 情况与登记一致', by: DEMO_REVIEWER });
    firstDecisions.push(`驳回 RECLASSIFY ${id}`);
  }
  console.log(`   审核决定 (示例): ${firstDecisions.join('; ')}`);

  console.log(`③ 第二季度比对 (截至 ${q2})：收到 ${deliver(province, inbox, 1)} 个新文件（其中一个有错误行，见 bidui quarantine list）`);
  const result = await quarter(db, cfg, q2, join(dir, 'out'));
  printQuarter(result, database);
  console.log(`   ${retentionLine(result.retention)}`);

  // A few decisions, as caseworkers would make them: confirmations, a four-eyes REMOVE, a rejection
  // with its reason, and a request for material with its due date.
  const decisions: string[] = [];
  const adds = await pick(db, result.runId, 'ADD', 2);
  for (const id of adds) {
    await decide(db, { flagId: id, decision: 'confirmed', by: DEMO_REVIEWER });
    decisions.push(`确认 ADD ${id}`);
  }
  for (const id of await pick(db, result.runId, 'REMOVE', 1)) {
    // Four-eyes: a reviewer confirms a REMOVE, a supervisor approves it; only then is it sent on.
    await decide(db, { flagId: id, decision: 'confirmed', by: DEMO_REVIEWER });
    await approve(db, { flagId: id, by: DEMO_SUPERVISOR, mayApprove: true, note: '已核实' });
    decisions.push(`确认并经主管复核 REMOVE ${id}`);
  }
  for (const id of await pick(db, result.runId, 'RECLASSIFY', 1)) {
    await decide(db, { flagId: id, decision: 'rejected', reason: '入户核实: 情况与登记一致', by: DEMO_REVIEWER });
    decisions.push(`驳回 RECLASSIFY ${id}`);
  }
  for (const id of await pick(db, result.runId, 'ADD', 1, adds)) {
    const d = await decide(db, { flagId: id, decision: 'needs_info', reason: '请学校提供该生监护人的联系方式和在读证明', by: DEMO_REVIEWER });
    decisions.push(`要求补充材料 ADD ${id}（期限 ${d.dueOn}）`);
  }
  console.log(`   审核决定 (示例): ${decisions.join('; ')}`);

  const exportsDir = join(dir, 'exports');
  console.log(`④ 导出 (${exportsDir}; 按无限制知悉权限导出，限制知悉的标记不在其中，见 bidui export --need-to-know):`);
  console.log(`  含个人信息的文件加密保存为 .sm4（国密 SM4）：用 npx bidui open <文件> --by <姓名> --db ${database} 打开（记入审计日志）；密钥 ${defaultKeyFile(database)}`);
  for (const kind of EXPORT_KINDS) {
    // A fresh machine may lack a CJK font: the demo goes on without the report and says what to install.
    const fontMissing = kind === 'summary' ? cjkFontProblem() : null;
    if (fontMissing) {
      console.log(`  （未生成季度比对报告：${fontMissing}）`);
      continue;
    }
    const r = await runExport(db, kind, { runId: result.runId, outDir: exportsDir, by: DEMO_SUPERVISOR });
    for (const f of r.files) console.log(`  ${f.path} (${f.rows} 行；${purposeLabel(f)})`);
    for (const f of r.files.filter((x) => x.format === 'pdf')) console.log(`  打开季度比对报告: xdg-open "${f.path}"（或用任一 PDF 阅读器打开）`);
  }
  // The query list for an agency that cannot share (the exchange); its answer would go to the inbox.
  const query = await writeExchangeRequest(db, { feed: 'incarceration', outDir: exportsDir, by: DEMO_SUPERVISOR });
  for (const f of query.files) console.log(`  ${f.path} (${f.rows} 行, 信息查询名单 ${query.exchangeId})`);
  console.log(`⑤ 标记清单（加密）: ${join(dir, 'out', 'flags.csv.sm4')}（第一季度: ${join(dir, 'out', q1, 'flags.csv.sm4')}）   数据库: ${database}`);
  return { dir, db, database, county: DEMO_COUNTY, runs: [first, result] };
}
