import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { effectiveSources, type Config, type FeedName, type SourceConfig } from '../config/index.js';
import { FEED_SPECS, mapHeaders } from '../pipeline/feeds.js';
import { installIdentity } from '../pipeline/identity/index.js';
import { log } from '../pipeline/log.js';
import { checkpoint, connectAlso, exclusive, ident, lit, QUARANTINE_COLUMNS, queryRows, sealedInsertSql, type Db } from '../pipeline/store/index.js';
import { InputError, LIMITS, scrubMessage } from './limits.js';
import { planNormalise } from './normalise.js';
import { formatOf, readFile, type FileFormat } from './readers/index.js';

export interface BatchReport {
  batchId: number | null;
  feed: FeedName;
  source: string;
  file: string;
  status: 'loaded' | 'failed' | 'duplicate';
  error?: string;
  /** A file whose content failed before: not read again until it changes (or `retryFailed`). */
  notRetried?: boolean;
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

/** What an attempt to load a file depends on: its content, its format, how its source reads it, and the bounds. */
export function attemptKey(hash: string, format: FileFormat | null, source: SourceConfig): string {
  const { name: _name, path: _path, schedule: _schedule, ...reading } = source as SourceConfig & { schedule?: unknown };
  return createHash('sha256').update(JSON.stringify([hash, format, reading, LIMITS])).digest('hex');
}

/**
 * The folder for temporary copies of input files (transcoded CSV, XLSX spools: personal data), one
 * per store: `<workDir or the database's folder>/.<database file>.tmp`. Emptied when the process
 * first uses it (what a crashed run left behind) and after each file.
 */
export function workDirOf(config: Config): string {
  if (config.database === ':memory:') return join(config.workDir ?? tmpdir(), `.bidui-memory-${process.pid}.tmp`);
  const db = resolve(config.database);
  return join(config.workDir ?? dirname(db), `.${basename(db)}.tmp`);
}

const preparedWorkDirs = new Map<string, Promise<void>>();

/** Empties the work folder once per process (leftovers of a crashed run), then keeps it. */
export function prepareWorkDir(config: Config): Promise<void> {
  const dir = workDirOf(config);
  let ready = preparedWorkDirs.get(dir);
  if (!ready) {
    ready = (async () => {
      if (existsSync(dir)) {
        const left = await readdir(dir);
        if (left.length) log.warn({ dir, files: left.length }, 'temporary files of an earlier run removed');
        for (const name of left) await rm(join(dir, name), { recursive: true, force: true });
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
    })();
    preparedWorkDirs.set(dir, ready);
  }
  return ready.then(() => mkdir(dir, { recursive: true, mode: 0o700 })).then(() => undefined);
}

/**
 * Folders of the inbox that no source reads (e.g. court/ before bidui knows a court feed): a
 * bureau must hear that their files were not read, never find out later.
 */
export async function unreadFolders(config: Config, inbox?: string): Promise<string[]> {
  const root = inbox ? resolve(inbox) : config.inbox;
  if (!existsSync(root)) return [];
  const read = new Set(
    effectiveSources(config)
      .filter((s) => !isAbsolute(s.path))
      .map((s) => s.path.split(/[\\/]/)[0]!),
  );
  const entries = await readdir(root, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && !read.has(e.name)).map((e) => e.name).sort();
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

export interface IngestOptions {
  /** Read a file again whose same content failed before (else it is reported, not read). */
  retryFailed?: boolean;
}

/** Ingests one file as one batch. Same content already loaded for this feed → 'duplicate'; failed before → not read again. */
export async function ingestFile(
  db: Db,
  config: Config,
  source: SourceConfig,
  path: string,
  registerTurn: RegisterTurn = AT_ONCE,
  opts: IngestOptions = {},
): Promise<BatchReport> {
  await installIdentity(db);
  const started = performance.now();
  const spec = FEED_SPECS[source.feed];
  const file = basename(path);
  const format: FileFormat | null = source.format === 'auto' ? formatOf(path) : source.format;
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
  let size: number;
  let hash: string;
  try {
    size = statSync(path).size;
    hash = await sha256File(path);
  } catch (err) {
    // Not registered: without its content there is nothing to remember it by.
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? '文件已不存在' : code === 'EACCES' || code === 'EPERM' ? '没有读取权限' : scrubMessage((err as Error).message);
    return { ...base, batchId: null, status: 'failed', error: `无法读取文件 (cannot read file) ${file}: ${why}` };
  }
  const attempt = attemptKey(hash, format, source);
  const registered = await registerTurn(`${source.feed}:${hash}`, async (): Promise<{ batchId: number; duplicate: boolean; failedBefore?: string }> => {
    const seen = await queryRows<{ batch_id: number; status: string; error: string | null }>(
      db,
      `SELECT batch_id, status, error FROM ingest_batches
       WHERE feed = ${lit(source.feed)} AND (content_hash = ${lit(hash)} AND status = 'loaded' OR attempt_key = ${lit(attempt)} AND status = 'failed')
       ORDER BY status = 'loaded' DESC, batch_id DESC LIMIT 1`,
    );
    if (seen[0]?.status === 'loaded') return { batchId: seen[0].batch_id, duplicate: true };
    if (seen[0] && !opts.retryFailed) return { batchId: seen[0].batch_id, duplicate: false, failedBefore: seen[0].error ?? '' };
    const [{ batch_id: batchId }] = (await queryRows<{ batch_id: number }>(
      db,
      `INSERT INTO ingest_batches (feed, source, file_name, file_path, file_size, content_hash, format, status, started_at, attempt_key)
       VALUES (${lit(source.feed)}, ${lit(source.name)}, ${lit(file)}, ${lit(resolve(path))}, ${size}, ${lit(hash)}, ${format ? lit(format) : 'NULL'}, 'loading', now(), ${lit(attempt)})
       RETURNING batch_id`,
    )) as [{ batch_id: number }];
    return { batchId, duplicate: false };
  });
  const { batchId } = registered;
  if (registered.duplicate) return { ...base, batchId, status: 'duplicate' };
  if (registered.failedBefore !== undefined) {
    return {
      ...base,
      batchId,
      status: 'failed',
      notRetried: true,
      error: `此前已失败 (批次 #${batchId}), 文件内容未变, 未重试 (not retried; 修正文件后重新放入, 或用 bidui ingest --retry-failed): ${registered.failedBefore}`,
    };
  }
  const stage = `stage_${batchId}`;
  const fail = async (message: string, encoding: string | null = null): Promise<BatchReport> => {
    await db.run(
      `UPDATE ingest_batches SET status = 'failed', error = ${lit(message)}, encoding = ${encoding ? lit(encoding) : 'NULL'}, finished_at = now() WHERE batch_id = ${batchId}`,
    );
    // The reason can quote a line of the file (names, ID numbers): it stays in the store, not the log.
    log.warn({ batchId, feed: source.feed, file }, 'batch failed (reason in ingest_batches.error)');
    return { ...base, batchId, status: 'failed', error: message, seconds: (performance.now() - started) / 1000 };
  };
  if (!format) return fail(`未知文件类型 (unknown file type) 「${file}」: 支持 .csv、.xlsx、.jsonl、.parquet`);

  let read;
  try {
    await prepareWorkDir(config);
    read = await readFile(db, path, stage, {
      format,
      encoding: source.encoding,
      sheet: source.sheet,
      workDir: workDirOf(config),
    });
  } catch (err) {
    // A library's message can quote the file's content: only an InputError's (ours) is kept whole.
    const why = err instanceof InputError ? err.message : scrubMessage((err as Error).message);
    await db.run(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined);
    return fail(`无法读取 ${format} 文件 (cannot read ${format} file) ${file}: ${why}`);
  }
  const { mapping, duplicates } = mapHeaders(spec, read.headers, source.headerAliases);
  const missing = spec.fields.filter((f) => f.required && !mapping.has(f.key));
  if (missing.length) {
    await db.run(`DROP TABLE IF EXISTS ${stage}`);
    // The headers found are not quoted: a file without a header row has its first record there.
    const found = [...mapping].map(([key, header]) => `${key} (${header})`);
    return fail(
      `缺少必需列 (missing required column(s)) ${file}: ${missing.map((f) => `${f.key} (${f.headers.join(' / ')})`).join(', ')}; ` +
        (found.length
          ? `文件共 ${read.headers.length} 列, 可识别的列: ${found.join(', ')}`
          : `文件共 ${read.headers.length} 列, 没有一列与 FEEDS.md 的表头相符 (文件可能没有表头行, 或编码不对)`),
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
    // Rows over the bounds (connectors/limits.ts) or with a cell without a value leave the batch
    // first: nothing below (name forms above all) sees them.
    await db.run(boundsSql({ stage, file, headers: read.headers, mapping, nameKeys: new Set(spec.fields.filter((f) => f.kind.type === 'name').map((f) => f.key)) }));
    const mappedHeaders = new Map([...mapping].map(([k, h]) => [h, k]));
    const cellErrors = (read.cellErrors ?? []).filter((e) => mappedHeaders.has(e.header));
    for (let i = 0; i < cellErrors.length; i += 500) {
      const values = cellErrors
        .slice(i, i + 500)
        .map((e) => `(${e.srcRow}, ${lit(mappedHeaders.get(e.header)!)}, ${lit(e.reason)}, ${lit(`文件 ${file} 第 ${e.srcLine} 行 字段「${e.header}」(${mappedHeaders.get(e.header)}): ${e.detail}`)})`);
      await db.run(
        `INSERT INTO ${stage}_bad SELECT t.src_row, t.src_line, v.field, v.reason, v.detail, ${rawSql(read.headers)}
         FROM (VALUES ${values.join(', ')}) v(src_row, field, reason, detail) JOIN ${stage} t ON t.src_row = v.src_row`,
      );
    }
    await db.run(`DELETE FROM ${stage} WHERE src_row IN (SELECT src_row FROM ${stage}_bad)`);
    // A name is added only when name_forms lacks it, so one batch at a time (name_forms has no key).
    await exclusive(db, 'name_forms', async () => {
      for (const sql of plan.addNames) await db.run(sql);
    });
    for (const sql of plan.statements) await db.run(sql);
    await db.run('BEGIN TRANSACTION');
    try {
      await db.run(plan.insertRows);
      await db.run(plan.insertQuarantine);
      await db.run(sealedInsertSql('quarantine', QUARANTINE_COLUMNS, [String(batchId), 'src_row', 'src_line', 'field', 'reason', 'detail', 'raw'], `FROM ${stage}_bad`));
      for (const r of read.rejected) {
        const values = [batchId, r.srcRow, r.srcLine].map((n) => String(n));
        const text = [r.field, r.reason, `文件 ${file}: ${r.detail}`, r.raw].map((t) => (t == null ? 'NULL::VARCHAR' : lit(t)));
        await db.run(sealedInsertSql('quarantine', QUARANTINE_COLUMNS, [...values, ...text], ''));
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
    return fail(`载入失败 (cannot load) ${file}: ${scrubMessage((err as Error).message)}`, read.encoding);
  } finally {
    for (const t of ['', '_names', '_dates', '_months', '_codes', '_err', '_bad']) await db.run(`DROP TABLE IF EXISTS ${stage}${t}`);
  }
}

/** The row as quarantined when it broke a bound: every field cut to 200 characters. */
function rawSql(headers: string[]): string {
  return `to_json(struct_pack(${headers.map((h) => `${ident(h)} := left(t.${ident(h)}, 200)`).join(', ')}))::VARCHAR`;
}

/**
 * `<stage>_bad` (src_row, src_line, field, reason, detail, raw): the rows with a field longer than
 * its bound (a name field LIMITS.maxNameChars, any other LIMITS.maxFieldChars) or more characters
 * in all than LIMITS.maxRowBytes, one row each, with a reason naming file, line and field.
 */
function boundsSql(args: { stage: string; file: string; headers: string[]; mapping: Map<string, string>; nameKeys: Set<string> }): string {
  const { stage, file, headers, mapping, nameKeys } = args;
  const keyOf = new Map([...mapping].map(([k, h]) => [h, k]));
  const items = headers.map((h) => {
    const key = keyOf.get(h);
    const max = key && nameKeys.has(key) ? LIMITS.maxNameChars : LIMITS.maxFieldChars;
    return `{'h': ${lit(h)}, 'k': ${key ? lit(key) : 'NULL::VARCHAR'}, 'n': length(t.${ident(h)}), 'm': ${max}}`;
  });
  const total = headers.length ? headers.map((h) => `coalesce(length(t.${ident(h)}), 0)`).join(' + ') : '0';
  items.push(`{'h': NULL::VARCHAR, 'k': NULL::VARCHAR, 'n': ${total}, 'm': ${LIMITS.maxRowBytes}}`);
  const where = headers.length ? `WHERE ${headers.map((h) => `length(t.${ident(h)}) > ${LIMITS.maxNameChars}`).join(' OR ')}` : 'WHERE false';
  return `CREATE OR REPLACE TEMP TABLE ${stage}_bad AS
    SELECT src_row, src_line, x.k AS field, CASE WHEN x.h IS NULL THEN 'ROW_TOO_LONG' ELSE 'FIELD_TOO_LONG' END AS reason,
      CASE WHEN x.h IS NULL THEN ${lit(`文件 ${file} 第 `)} || src_line || ' 行共 ' || x.n || ' 个字符, 超过整行 ' || x.m || ' 的上限, 整行隔离'
           ELSE ${lit(`文件 ${file} 第 `)} || src_line || ' 行 字段「' || x.h || '」' || coalesce('(' || x.k || ')', '') || '长 ' || x.n || ' 个字符, 超过 ' || x.m || ' 的上限, 整行隔离' END AS detail,
      raw
    FROM (
      SELECT first(src_row) AS src_row, first(src_line) AS src_line, first(x) AS x, first(raw) AS raw FROM (
        SELECT t.src_row, t.src_line, unnest(list_filter([${items.join(', ')}], x -> x.n > x.m)) AS x, ${rawSql(headers)} AS raw
        FROM ${stage} t ${where}
      ) GROUP BY src_row
    )`;
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
  opts: { inbox?: string; feeds?: FeedName[]; onProgress?: IngestProgress } & IngestOptions = {},
): Promise<BatchReport[]> {
  const inbox = opts.inbox ? resolve(opts.inbox) : config.inbox;
  const sources = effectiveSources(config).filter((s) => !opts.feeds || opts.feeds.includes(s.feed));
  const work: { source: SourceConfig; path: string }[] = [];
  for (const source of sources) for (const path of await sourceFiles(source, inbox)) work.push({ source, path });
  await prepareWorkDir(config);
  try {
    return await ingestAll(db, config, work, opts);
  } finally {
    // An empty work folder is not left behind (a failed read removes its copies itself).
    await rmdir(workDirOf(config)).catch(() => undefined);
  }
}

async function ingestAll(
  db: Db,
  config: Config,
  work: { source: SourceConfig; path: string }[],
  opts: { onProgress?: IngestProgress } & IngestOptions,
): Promise<BatchReport[]> {
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
              reports[index] = await ingestFile(conn, config, source, path, turnOf(index), { retryFailed: opts.retryFailed });
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
  await checkpoint(db).catch((err: Error) => log.warn({ err: err.message }, 'checkpoint after ingest deferred'));
  return result;
}
