import type { BatchReport, StoreStatus } from '../connectors/index.js';

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
