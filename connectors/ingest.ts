import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { effectiveSources, type Config, type FeedName, type SourceConfig } from '../config/index.js';
import { FEED_SPECS, mapHeaders } from '../pipeline/feeds.js';
import { installIdentity } from '../pipeline/identity/index.js';
import { log } from '../pipeline/log.js';
import { connectAlso, exclusive, lit, queryRows, type Db } from '../pipeline/store/index.js';
import { planNormalise } from './normalise.js';
import { formatOf, readFile, type FileFormat } from './readers/index.js';

export interface BatchReport {
  batchId: number | null;
  feed: FeedName;
  source: string;
  file: string;
  status: 'loaded' | 'failed' | 'duplicate';
  error?: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  findings: number;
  seconds: number;
}

export interface IngestProgress {
  (event: { file: string; index: number; total: number; feed: FeedName; rowsSoFar: number }): void;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The files of a source: every file in a folder, or those matching a `*`/`?` pattern in the last path segment. */
export async function sourceFiles(source: SourceConfig, inbox: string): Promise<string[]> {
  const full = isAbsolute(source.path) ? source.path : join(inbox, source.path);
  let dir = full;
  let pattern: RegExp | null = null;
  if (/[*?]/.test(basename(full))) {
    dir = dirname(full);
    const esc = basename(full).replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
    pattern = new RegExp(`^${esc}$`, 'i');
  }
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return [dir];
  const names = (await readdir(dir)).filter(
    (n) => !n.startsWith('.') && !n.startsWith('~$') && (!pattern || pattern.test(n)),
  );
  return names
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile())
    .sort();
}

/**
 * When several files are ingested at once (ingestInbox), a batch's registration waits its turn:
 * looking for a loaded batch of the same content (`content`: feed and hash) and registering the
 * batch run in the order of the files (batch ids follow it), and after any earlier file with the
 * same content has finished. `fn` runs when it is the batch's turn.
 */
export type RegisterTurn = <T>(content: string, fn: () => Promise<T>) => Promise<T>;

/** No other batch in flight: register at once. */
const AT_ONCE: RegisterTurn = (_content, fn) => fn();

/** Ingests one file as one batch. Same content already loaded for this feed → 'duplicate'. */
export async function ingestFile(db: Db, config: Config, source: SourceConfig, path: string, registerTurn: RegisterTurn = AT_ONCE): Promise<BatchReport> {
  await installIdentity(db);
  const started = performance.now();
  const spec = FEED_SPECS[source.feed];
  const file = basename(path);
  const format: FileFormat | null = source.format === 'auto' ? formatOf(path) : source.format;
  const size = statSync(path).size;
  const hash = await sha256File(path);
  const registered = await registerTurn(`${source.feed}:${hash}`, async (): Promise<{ batchId: number; duplicate: boolean }> => {
    const seen = await queryRows<{ batch_id: number }>(
      db,
      `SELECT batch_id FROM ingest_batches WHERE content_hash = ${lit(hash)} AND feed = ${lit(source.feed)} AND status = 'loaded'`,
    );
    if (seen.length) return { batchId: seen[0]!.batch_id, duplicate: true };
    const [{ batch_id: batchId }] = (await queryRows<{ batch_id: number }>(
      db,
      `INSERT INTO ingest_batches (feed, source, file_name, file_path, file_size, content_hash, format, status, started_at)
       VALUES (${lit(source.feed)}, ${lit(source.name)}, ${lit(file)}, ${lit(resolve(path))}, ${size}, ${lit(hash)}, ${format ? lit(format) : 'NULL'}, 'loading', now())
       RETURNING batch_id`,
    )) as [{ batch_id: number }];
    return { batchId, duplicate: false };
  });
  const base: Omit<BatchReport, 'status' | 'batchId'> = {
    feed: source.feed,
    source: source.name,
    file: path,
    rowsRead: 0,
    rowsLoaded: 0,
    rowsQuarantined: 0,
    findings: 0,
    seconds: 0,
  };
  const { batchId } = registered;
  if (registered.duplicate) return { ...base, batchId, status: 'duplicate' };
  const stage = `stage_${batchId}`;
  const fail = async (message: string, encoding: string | null = null): Promise<BatchReport> => {
    await db.run(
      `UPDATE ingest_batches SET status = 'failed', error = ${lit(message)}, encoding = ${encoding ? lit(encoding) : 'NULL'}, finished_at = now() WHERE batch_id = ${batchId}`,
    );
    // The reason can quote a line of the file (names, ID numbers): it stays in the store, not the log.
    log.warn({ batchId, feed: source.feed, file }, 'batch failed (reason in ingest_batches.error)');
    return { ...base, batchId, status: 'failed', error: message, seconds: (performance.now() - started) / 1000 };
  };
  if (!format) return fail(`unknown file type "${file}": expected .csv, .xlsx, .jsonl or .parquet`);

  let read;
  try {
    read = await readFile(db, path, stage, {
      format,
      encoding: source.encoding,
      sheet: source.sheet,
      workDir: config.workDir ?? tmpdir(),
    });
  } catch (err) {
    return fail(`cannot read ${format} file: ${(err as Error).message}`);
  }
  const { mapping, duplicates } = mapHeaders(spec, read.headers, source.headerAliases);
  const missing = spec.fields.filter((f) => f.required && !mapping.has(f.key));
  if (missing.length) {
    await db.run(`DROP TABLE IF EXISTS ${stage}`);
    return fail(
      `missing required column(s): ${missing.map((f) => `${f.key} (${f.headers.join(' / ')})`).join(', ')}; headers found: ${read.headers.join(', ')}`,
      read.encoding,
    );
  }
  if (duplicates.length) log.warn({ batchId, file, duplicates }, 'headers mapping to a key already taken were kept as raw data');

  const plan = planNormalise({
    spec,
    stage,
    mapping,
    headers: read.headers,
    batchId,
    dateBase1904: read.dateBase1904 || source.dateBase === '1904',
  });
  try {
    // A name is added only when name_forms lacks it, so one batch at a time (name_forms has no key).
    await exclusive(db, 'name_forms', async () => {
      for (const sql of plan.addNames) await db.run(sql);
    });
    for (const sql of plan.statements) await db.run(sql);
    await db.run('BEGIN TRANSACTION');
    try {
      await db.run(plan.insertRows);
      await db.run(plan.insertQuarantine);
      for (const r of read.rejected) {
        await db.run(
          `INSERT INTO quarantine VALUES (${batchId}, ${r.srcRow}, ${r.srcLine}, NULL, ${lit(r.reason)}, ${lit(r.detail)}, ${r.raw === null ? 'NULL' : lit(r.raw)})`,
        );
      }
      await db.run(plan.insertFindings);
      const [counts] = (await queryRows<{ loaded: number; quarantined: number; findings: number }>(
        db,
        `SELECT (SELECT count(*) FROM ${spec.table} WHERE batch_id = ${batchId})::INTEGER AS loaded,
                (SELECT count(DISTINCT coalesce(src_row, -1)) FROM quarantine WHERE batch_id = ${batchId})::INTEGER AS quarantined,
                (SELECT count(*) FROM findings WHERE batch_id = ${batchId})::INTEGER AS findings`,
      )) as [{ loaded: number; quarantined: number; findings: number }];
      await db.run(
        `UPDATE ingest_batches SET status = 'loaded', encoding = ${read.encoding ? lit(read.encoding) : 'NULL'},
           rows_read = ${read.rowsRead}, rows_loaded = ${counts.loaded}, rows_quarantined = ${counts.quarantined},
           findings = ${counts.findings}, header_map = ${lit(JSON.stringify(Object.fromEntries(mapping)))}, finished_at = now()
         WHERE batch_id = ${batchId}`,
      );
      await db.run('COMMIT');
      const report: BatchReport = {
        ...base,
        batchId,
        status: 'loaded',
        rowsRead: read.rowsRead,
        rowsLoaded: counts.loaded,
        rowsQuarantined: counts.quarantined,
        findings: counts.findings,
        seconds: (performance.now() - started) / 1000,
      };
      log.info({ batchId, feed: source.feed, file, rowsLoaded: counts.loaded, rowsQuarantined: counts.quarantined, findings: counts.findings }, 'batch loaded');
      return report;
    } catch (err) {
      // A failed COMMIT has already ended the transaction: keep the error that says why.
      await db.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } catch (err) {
    return fail(`cannot load: ${(err as Error).message}`, read.encoding);
  } finally {
    for (const t of ['', '_names', '_dates', '_months', '_codes', '_err']) await db.run(`DROP TABLE IF EXISTS ${stage}${t}`);
  }
}

/** Batches ingested at once by ingestInbox: while one batch is in DuckDB, the next one's JS work (hashing, reading a spreadsheet, computing names) runs. */
const BATCHES_AT_ONCE = 2;

/**
 * Ingests every new file of every configured source (or of `<inbox>/<feed>/` by default), two at a
 * time on two connections; the reports and batch ids follow the order of the files.
 */
export async function ingestInbox(
  db: Db,
  config: Config,
  opts: { inbox?: string; feeds?: FeedName[]; onProgress?: IngestProgress } = {},
): Promise<BatchReport[]> {
  const inbox = opts.inbox ? resolve(opts.inbox) : config.inbox;
  const sources = effectiveSources(config).filter((s) => !opts.feeds || opts.feeds.includes(s.feed));
  const work: { source: SourceConfig; path: string }[] = [];
  for (const source of sources) for (const path of await sourceFiles(source, inbox)) work.push({ source, path });
  return checkpointOnce(db, async () => {
    const registered = work.map(() => deferred());
    const finished = work.map(() => deferred());
    const contentOwner = new Map<string, number>();
    const turnOf =
      (index: number): RegisterTurn =>
      async (content, fn) => {
        try {
          if (index > 0) await registered[index - 1]!.promise;
          // Each file waits for the latest earlier file of the same content (that one waited for
          // the one before it), so a third copy is a duplicate even when the first copy failed.
          const previous = contentOwner.get(content);
          contentOwner.set(content, index);
          if (previous !== undefined) await finished[previous]!.promise;
          return await fn();
        } finally {
          registered[index]!.resolve();
        }
      };

    const reports: BatchReport[] = new Array(work.length);
    let next = 0;
    let rows = 0;
    // A batch that fails is reported as failed; an error thrown here is the store's, so no further
    // file is started, the batch on the other connection finishes, and the error is thrown.
    let error: unknown = null;
    const connections = [db];
    try {
      for (let i = 1; i < Math.min(BATCHES_AT_ONCE, work.length); i++) connections.push(await connectAlso(db));
      await Promise.all(
        connections.map(async (conn) => {
          for (let index = next++; index < work.length && error === null; index = next++) {
            const { source, path } = work[index]!;
            try {
              opts.onProgress?.({ file: path, index, total: work.length, feed: source.feed, rowsSoFar: rows });
              reports[index] = await ingestFile(conn, config, source, path, turnOf(index));
              rows += reports[index]!.rowsLoaded;
            } catch (err) {
              if (error === null) error = err;
              else log.error({ file: basename(path), err: (err as Error).message }, 'ingest stopped; a further error');
            } finally {
              registered[index]!.resolve();
              finished[index]!.resolve();
            }
          }
        }),
      );
    } finally {
      for (const conn of connections.slice(1)) conn.closeSync();
    }
    if (error !== null) throw error;
    return reports;
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Runs `fn` (several batches) with DuckDB's automatic checkpoint deferred, then checkpoints once.
 * Each batch commits; a commit that finds the WAL over `checkpoint_threshold` (16 MiB by default)
 * checkpoints, which compresses the table's last, partly filled row group again and writes every
 * index whole: for an inbox of many small files (a registry per county) that was half the time.
 * Commits still go to the WAL, so nothing is less durable; the bound is raised, not removed.
 */
async function checkpointOnce<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  const [{ threshold }] = (await queryRows<{ threshold: string }>(db, `SELECT current_setting('checkpoint_threshold') AS threshold`)) as [{ threshold: string }];
  await db.run(`SET checkpoint_threshold = '1GiB'`);
  let result: T;
  try {
    result = await fn();
  } finally {
    await db.run(`SET checkpoint_threshold = ${lit(threshold)}`).catch((err: Error) => log.warn({ err: err.message }, 'checkpoint_threshold not restored'));
  }
  // Best effort: on failure the WAL keeps everything until the next automatic checkpoint.
  await db.run('CHECKPOINT').catch((err: Error) => log.warn({ err: err.message }, 'checkpoint after ingest deferred'));
  return result;
}
