import { tmpdir } from 'node:os';
import { effectiveSources, type Config, type FeedName } from '../config/index.js';
import { formatOf, readFile, sha256File, sourceFiles } from '../connectors/index.js';
import { FEED_SPECS, mapHeaders } from '../pipeline/feeds.js';
import { checkpoint, ident, queryRows, type Db } from '../pipeline/store/index.js';

/**
 * The floor under an ingest on this machine: every file hashed and read by the same readers
 * (transcoding, line numbers), and its rows stored in the feed table with the raw row as JSON, a
 * text column copied from its cell as read and every other column left NULL. No names, IDs, dates,
 * codes, checks, quarantine or findings: what an ingest costs beyond this is normalisation.
 */
export async function ingestFloor(db: Db, config: Config): Promise<{ feed: FeedName; rows: number; seconds: number }[]> {
  const out: { feed: FeedName; rows: number; seconds: number }[] = [];
  let batch = 0;
  for (const source of effectiveSources(config)) {
    const spec = FEED_SPECS[source.feed];
    const columns = await queryRows<{ column_name: string; column_type: string }>(db, `DESCRIBE ${spec.table}`);
    // The feed's columns as code reads them (the store keeps them sealed: pipeline/store sealed.ts), in a table of the floor's own.
    const table = `floor_${spec.feed}`;
    await db.run(`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${spec.table} LIMIT 0`);
    for (const path of await sourceFiles(source, config.inbox)) {
      const format = formatOf(path);
      if (!format) continue;
      const started = performance.now();
      await sha256File(path);
      const stage = 'floor_stage';
      const read = await readFile(db, path, stage, { format, encoding: source.encoding, sheet: source.sheet, workDir: config.workDir ?? tmpdir() });
      const { mapping } = mapHeaders(spec, read.headers, source.headerAliases);
      batch += 1;
      const select = columns.map(({ column_name: c, column_type: type }) => {
        if (c === 'batch_id') return String(batch);
        if (c === 'src_row' || c === 'src_line') return `t.${c}`;
        if (c === 'raw') return `to_json(struct_pack(${read.headers.map((h) => `${ident(h)} := t.${ident(h)}`).join(', ')}))`;
        const header = mapping.get(c);
        return type === 'VARCHAR' && header !== undefined ? `t.${ident(header)}` : 'NULL';
      });
      await db.run(`INSERT INTO ${table} SELECT ${select.join(', ')} FROM ${stage} t`);
      await db.run(`DROP TABLE ${stage}`);
      out.push({ feed: source.feed, rows: read.rowsRead, seconds: (performance.now() - started) / 1000 });
    }
  }
  await checkpoint(db);
  return out;
}
