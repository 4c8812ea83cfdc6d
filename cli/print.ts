import { FEED_LABELS } from '../pipeline/feeds.js';
import type { FeedName } from '../config/index.js';
import type { BatchReport, StoreStatus } from '../connectors/index.js';
import { categoryLabel, flagLabel } from '../flags/index.js';
import type { QuarterResult } from '../jobs/index.js';

/** One self-overwriting progress line on stderr; null clears it. */
export function progressLine(text: string | null): void {
  const cols = process.stderr.columns ?? 100;
  process.stderr.write('\r' + (text === null ? ' '.repeat(cols - 1) + '\r' : text.slice(0, cols - 1).padEnd(cols - 1)));
}

const STATUS_LABEL: Record<BatchReport['status'], string> = { loaded: '已载入', failed: '失败', duplicate: '重复(跳过)' };

export function printIngestSummary(reports: BatchReport[], seconds: number): void {
  for (const r of reports) {
    const counts = r.status === 'loaded' ? `  ${r.rowsLoaded} 行载入, ${r.rowsQuarantined} 行隔离, ${r.findings} 条数据质量提示` : '';
    console.log(`${STATUS_LABEL[r.status]}  [${r.feed}] ${r.file}${counts}${r.error ? `\n    原因: ${r.error}` : ''}`);
  }
  const loaded = reports.filter((r) => r.status === 'loaded');
  const rows = loaded.reduce((a, r) => a + r.rowsLoaded, 0);
  console.log(
    `共 ${reports.length} 个文件: ${loaded.length} 个载入, ${reports.filter((r) => r.status === 'duplicate').length} 个重复, ` +
      `${reports.filter((r) => r.status === 'failed').length} 个失败; ${rows} 行, ${seconds.toFixed(1)} 秒`,
  );
}

export function printStatus(s: StoreStatus): void {
  console.log('数据源      批次  失败  行数        隔离行  数据质量提示');
  for (const f of s.feeds) {
    const findings = Object.entries(f.findings)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    console.log(
      `${f.feed.padEnd(12)}${String(f.batches).padStart(4)}  ${String(f.failedBatches).padStart(4)}  ${String(f.rows).padStart(10)}  ${String(f.quarantined).padStart(6)}  ${findings}`,
    );
  }
  const failed = s.batches.filter((b) => b.status === 'failed');
  if (failed.length) {
    console.log('\n失败的批次:');
    for (const b of failed) console.log(`  #${b.batch_id} [${b.feed}] ${b.file_name}: ${b.error}`);
  }
  if (s.quarantineReasons.length) {
    console.log('\n隔离原因:');
    for (const q of s.quarantineReasons) console.log(`  [${q.feed}] ${q.field ?? '(整行)'} ${q.reason}: ${q.rows}`);
  }
}

export function printQuarter(r: QuarterResult): void {
  const loaded = r.ingest.filter((b) => b.status === 'loaded');
  const failed = r.ingest.filter((b) => b.status === 'failed');
  console.log(`比对批次 ${r.runId} (截至 ${r.asOf})${r.previousRunId ? `, 对比上一批次 ${r.previousRunId}` : ''}`);
  console.log(`新导入文件 ${loaded.length} 个 (${loaded.reduce((a, b) => a + b.rowsLoaded, 0)} 行)${failed.length ? `, 失败 ${failed.length} 个` : ''}`);
  for (const feed of r.missingFeeds) {
    console.log(`警告：本季度未收到应报送的${FEED_LABELS[feed as FeedName] ?? feed}数据${feed === 'enrollment' ? '，未判定“未入学”（控辍保学）' : ''}`);
  }
  console.log(`共 ${r.flags} 条标记 (新增 ${r.lifecycle.new ?? 0}, 持续 ${r.lifecycle.persisting ?? 0}, 已解决 ${r.resolved}, 因已驳回而未再提出 ${r.suppressed})`);
  console.log('按标记类型:');
  for (const [k, v] of Object.entries(r.byFlag)) console.log(`  ${flagLabel(k).padEnd(10, '　')} ${k.padEnd(11)} ${v}`);
  console.log('按保障类别:');
  for (const [k, v] of Object.entries(r.byCategory)) console.log(`  ${(k ? categoryLabel(k) : '(无)').padEnd(10, '　')} ${v}`);
  const counties = Object.entries(r.byCounty).sort(([, a], [, b]) => b - a);
  console.log(`按区县 (${counties.length} 个区县${counties.length > 10 ? ', 前 10 个' : ''}):`);
  for (const [k, v] of counties.slice(0, 10)) console.log(`  ${(k || '(未知)').padEnd(8)} ${v}`);
  console.log(`用时(秒): ${Object.entries(r.timings).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const f of r.files) console.log(`已写入 ${f}`);
}
