import { FEED_SPECS } from '../pipeline/feeds.js';
import { DATE_ERROR_LABELS, ID_ISSUE_LABELS } from '../pipeline/identity/index.js';
import { queryRows, type Db } from '../pipeline/store/index.js';
import { READ_REASON_LABELS } from './limits.js';
import { NORMALISE_REASON_LABELS, ROW_FINDING_LABELS } from './normalise.js';

const FINDING_LABELS: Readonly<Record<string, string>> = { ...ID_ISSUE_LABELS, ...ROW_FINDING_LABELS };
const QUARANTINE_REASON_LABELS: Readonly<Record<string, string>> = { ...NORMALISE_REASON_LABELS, ...DATE_ERROR_LABELS, ...READ_REASON_LABELS };

/** A data-quality finding code (findings.code) in Chinese; an unknown code as it is. */
export function findingLabel(code: string): string {
  return FINDING_LABELS[code] ?? code;
}

/** A quarantine reason code (quarantine.reason) in Chinese; an unknown code as it is. */
export function quarantineReasonLabel(code: string): string {
  return QUARANTINE_REASON_LABELS[code] ?? code;
}

export interface StoreStatus {
  feeds: {
    feed: string;
    batches: number;
    failedBatches: number;
    rows: number;
    quarantined: number;
    findings: Record<string, number>;
  }[];
  batches: {
    batch_id: number;
    feed: string;
    file_name: string;
    status: string;
    error: string | null;
    rows_read: number;
    rows_loaded: number;
    rows_quarantined: number;
    findings: number;
    finished_at: string | null;
  }[];
  quarantineReasons: { feed: string; field: string | null; reason: string; rows: number }[];
}

export async function storeStatus(db: Db): Promise<StoreStatus> {
  const batches = await queryRows<StoreStatus['batches'][number]>(
    db,
    `SELECT batch_id, feed, file_name, status, error, rows_read, rows_loaded, rows_quarantined, findings,
            strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at
     FROM ingest_batches ORDER BY batch_id`,
  );
  const findingRows = await queryRows<{ feed: string; code: string; n: number }>(
    db,
    `SELECT b.feed, f.code, count(*)::INTEGER AS n FROM findings f JOIN ingest_batches b USING (batch_id) GROUP BY ALL ORDER BY ALL`,
  );
  const quarantineReasons = await queryRows<StoreStatus['quarantineReasons'][number]>(
    db,
    `SELECT b.feed, q.field, q.reason, count(*)::INTEGER AS rows FROM quarantine q JOIN ingest_batches b USING (batch_id) GROUP BY ALL ORDER BY ALL`,
  );
  const feeds = [];
  for (const spec of Object.values(FEED_SPECS)) {
    const [row] = (await queryRows<{ rows: number }>(db, `SELECT count(*)::INTEGER AS rows FROM ${spec.table}`)) as [{ rows: number }];
    const mine = batches.filter((b) => b.feed === spec.feed);
    feeds.push({
      feed: spec.feed,
      batches: mine.filter((b) => b.status === 'loaded').length,
      failedBatches: mine.filter((b) => b.status === 'failed').length,
      rows: row.rows,
      quarantined: mine.reduce((a, b) => a + b.rows_quarantined, 0),
      findings: Object.fromEntries(findingRows.filter((f) => f.feed === spec.feed).map((f) => [f.code, f.n])),
    });
  }
  return { feeds, batches, quarantineReasons };
}
