import { FEED_LABELS, FEED_SPECS } from '../pipeline/feeds.js';
import type { FeedName } from '../config/index.js';
import { findingLabel, quarantineReasonLabel, type BatchReport, type PullReport, type PullState, type StoreStatus } from '../connectors/index.js';
import { beijingTime } from '../pipeline/timing.js';
import { categoryLabel, flagLabel } from '../flags/index.js';
import { regionInfo } from '../pipeline/identity/index.js';
import type { QuarterResult } from '../jobs/index.js';
import { alignColumns, padEndWidth, truncateWidth } from './zh.js';

/** A feed's Chinese name (FEED_LABELS); an unknown feed as it is. */
export function feedLabel(feed: string): string {
  return FEED_LABELS[feed as FeedName] ?? feed;
}

/** A feed field (canonical key) by the first header real exports use, e.g. id_number → 身份证号. */
function fieldLabel(feed: string, key: string | null): string {
  if (key === null) return '（整行）';
  return FEED_SPECS[feed as FeedName]?.fields.find((f) => f.key === key)?.headers[0] ?? key;
}

/** The stages of a quarterly run (jobs/quarter.ts, jobs/run.ts: the keys of QuarterResult.timings). */
export const STAGE_LABELS: Readonly<Record<string, string>> = {
  ingest: '导入',
  match: '人员匹配',
  gather: '汇集事实',
  evaluate: '规则判定',
  store: '保存',
};

/** One self-overwriting progress line on stderr; null clears it. */
export function progressLine(text: string | null): void {
  const cols = process.stderr.columns ?? 100;
  process.stderr.write('\r' + (text === null ? ' '.repeat(cols - 1) + '\r' : padEndWidth(truncateWidth(text, cols - 1), cols - 1)));
}

const STATUS_LABEL: Record<BatchReport['status'], string> = { loaded: '已载入', failed: '失败', duplicate: '重复(跳过)' };

export function printIngestSummary(reports: BatchReport[], seconds: number): void {
  for (const r of reports) {
    const counts = r.status === 'loaded' ? `  ${r.rowsLoaded} 行载入, ${r.rowsQuarantined} 行隔离, ${r.findings} 条数据质量提示` : '';
    console.log(`${STATUS_LABEL[r.status]}  [${feedLabel(r.feed)}] ${r.file}${counts}${r.error ? `\n    原因: ${r.error}` : ''}`);
  }
  const loaded = reports.filter((r) => r.status === 'loaded');
  const rows = loaded.reduce((a, r) => a + r.rowsLoaded, 0);
  console.log(
    `共 ${reports.length} 个文件: ${loaded.length} 个载入, ${reports.filter((r) => r.status === 'duplicate').length} 个重复, ` +
      `${reports.filter((r) => r.status === 'failed').length} 个失败; ${rows} 行, ${seconds.toFixed(1)} 秒`,
  );
}

export function printStatus(s: StoreStatus): void {
  const right = new Set([1, 2, 3, 4, 5]);
  const rows = s.feeds.map((f) => [
    feedLabel(f.feed),
    String(f.batches),
    String(f.failedBatches),
    String(f.rows),
    String(f.quarantined),
    String(Object.values(f.findings).reduce((a, n) => a + n, 0)),
  ]);
  for (const line of alignColumns([['数据源', '批次', '失败批次', '行数', '隔离行', '数据质量提示'], ...rows], right)) console.log(line);
  const findings = s.feeds.flatMap((f) => Object.entries(f.findings).map(([code, n]) => [feedLabel(f.feed), findingLabel(code), `${n} 条`]));
  if (findings.length) {
    console.log('\n数据质量提示（已载入，请核对）：');
    for (const line of alignColumns(findings, new Set([2]))) console.log('  ' + line);
  }
  const failed = s.batches.filter((b) => b.status === 'failed');
  if (failed.length) {
    console.log('\n失败的批次：');
    for (const b of failed) console.log(`  #${b.batch_id} [${feedLabel(b.feed)}] ${b.file_name}：${b.error}`);
  }
  if (s.quarantineReasons.length) {
    console.log('\n隔离原因（这些行未载入）：');
    const lines = alignColumns(
      s.quarantineReasons.map((q) => [feedLabel(q.feed), fieldLabel(q.feed, q.field), quarantineReasonLabel(q.reason), `${q.rows} 行`]),
      new Set([3]),
    );
    for (const line of lines) console.log('  ' + line);
  }
}

/** A quarter's result; `database` is the store, named in the hint that opens the sealed files. */
export function printQuarter(r: QuarterResult, database: string): void {
  const loaded = r.ingest.filter((b) => b.status === 'loaded');
  const failed = r.ingest.filter((b) => b.status === 'failed');
  console.log(`比对批次 ${r.runId}（数据截止 ${r.asOf}）${r.previousRunId ? `，对比上一批次 ${r.previousRunId}` : ''}`);
  console.log(`新导入文件 ${loaded.length} 个（${loaded.reduce((a, b) => a + b.rowsLoaded, 0)} 行）${failed.length ? `，失败 ${failed.length} 个` : ''}`);
  printUnreadFolders(r.unreadFolders);
  for (const feed of r.missingFeeds) {
    console.log(`警告：本季度未收到应报送的${FEED_LABELS[feed as FeedName] ?? feed}数据${feed === 'enrollment' ? '，未判定“未入学”（控辍保学）' : ''}`);
  }
  console.log(`共 ${r.flags} 条标记（新增 ${r.lifecycle.new ?? 0}，持续 ${r.lifecycle.persisting ?? 0}，已解决 ${r.resolved}，因已驳回而未再提出 ${r.suppressed}）`);
  const table = (rows: string[][]) => alignColumns(rows, new Set([rows[0] ? rows[0].length - 1 : 0])).map((l) => '  ' + l);
  console.log('按标记类型：');
  for (const l of table(Object.entries(r.byFlag).map(([k, v]) => [flagLabel(k), String(v)]))) console.log(l);
  console.log('按保障类别：');
  for (const l of table(Object.entries(r.byCategory).map(([k, v]) => [k ? categoryLabel(k) : '（无）', String(v)]))) console.log(l);
  const counties = Object.entries(r.byCounty).sort(([, a], [, b]) => b - a);
  console.log(`按区县（${counties.length} 个区县${counties.length > 10 ? '，列出前 10 个' : ''}）：`);
  for (const l of table(counties.slice(0, 10).map(([k, v]) => [k || '（未知）', (k && regionInfo(k).name) || '', String(v)]))) console.log(l);
  console.log(`用时：${Object.entries(r.timings).map(([k, v]) => `${STAGE_LABELS[k] ?? k} ${v} 秒`).join('，')}`);
  for (const f of r.files) console.log(`已写入 ${f}（加密保存；用 bidui --db ${database} open ${f} --by <姓名> 打开）`);
}

/** Inbox folders no source reads: named, so that nobody thinks their files were compared. */
export function printUnreadFolders(folders: readonly string[]): void {
  for (const f of folders) console.log(`警告：收件箱中的文件夹「${f}」不是可识别的数据类型，其中的文件未读取（可识别：${Object.values(FEED_LABELS).join('、')}；或在配置的 sources 中指定）`);
}

/** A pulled source of the configuration and its last pull (null: never pulled). */
export interface PullStatusRow {
  source: string;
  feed: string;
  state: PullState | null;
}

/** `bidui status`: each pulled source's last pull, rows, mark and last error. */
export function printPulls(rows: readonly PullStatusRow[]): void {
  if (!rows.length) return;
  console.log('\n拉取数据源（数据共享平台）：');
  const table = rows.map(({ source, feed, state: s }) => [
    source,
    feedLabel(feed),
    s?.last_pull_at ? beijingTime(s.last_pull_at) : '尚未拉取',
    s ? (s.last_status === 'ok' ? '成功' : '失败') : '-',
    s?.last_status === 'ok' ? `${s.last_rows ?? 0} 行` : '-',
    s?.mark ?? '（无，下次全量拉取）',
  ]);
  for (const line of alignColumns([['数据源', '数据类型', '上次拉取', '结果', '行数', '增量标记（此后变化的记录）'], ...table], new Set([4]))) console.log('  ' + line);
  for (const { state: s } of rows) if (s?.last_status === 'failed' && s.last_error) console.log(`  上次拉取失败：${s.last_error}（标记未变，未写入文件）`);
}

/** `bidui pull`: one line per source pulled. */
export function printPullReports(reports: readonly PullReport[]): void {
  for (const r of reports) {
    if (r.status === 'ok') {
      console.log(`拉取成功  [${feedLabel(r.feed)}] ${r.source}：${r.pages} 页，${r.rows} 行${r.file ? `，已写入 ${r.file}` : '（没有新记录，未写文件）'}；增量标记 ${r.markAfter ?? '（无）'}`);
    } else console.log(`拉取失败  [${feedLabel(r.feed)}] ${r.error}`);
  }
}
