// Generators of hostile input files for the fault suite (tests/connectors/faults.test.ts): every feed,
// every format, each file with its expected outcome.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type { FeedName } from '../../config/index.js';
import { lit, type Db } from '../../pipeline/store/index.js';
import { makeId } from '../helpers.js';

export type Format = 'csv' | 'csv-gb' | 'xlsx' | 'jsonl' | 'parquet';
export const FORMATS: Format[] = ['csv', 'csv-gb', 'xlsx', 'jsonl', 'parquet'];

/** The columns of each feed the generator writes: name, ID, gender, birth date, the required ones, a free-text column. */
export const FEEDS: Record<string, { headers: string[]; extra: string[] }> = {
  death: { headers: ['姓名', '身份证号', '性别', '出生日期', '死亡日期', '记录编号'], extra: ['2024-03-01'] },
  incarceration: { headers: ['姓名', '身份证号', '性别', '出生日期', '措施类型', '起始日期', '执行场所'], extra: ['服刑在押', '2023-05-01'] },
  disability: { headers: ['姓名', '身份证号', '性别', '出生日期', '残疾类别', '残疾等级', '残疾人证号'], extra: ['肢体', '二级'] },
  enrollment: { headers: ['姓名', '身份证号', '性别', '出生日期', '学籍状态', '学校名称'], extra: ['在读'] },
  registry: { headers: ['姓名', '身份证号', '性别', '出生日期', '保障类别', '保障状态', '认定情形'], extra: ['孤儿', '在保'] },
};
export const FEED_NAMES = Object.keys(FEEDS) as FeedName[];

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红';

let serial = 0;
/** A good row: a name, a valid ID (unique), the feed's required values, a unique text. */
export function goodRow(feed: string): string[] {
  const n = serial++;
  const name = SURNAMES[n % SURNAMES.length]! + GIVEN[(n * 7) % GIVEN.length]! + GIVEN[(n * 13 + 3) % GIVEN.length]!;
  const birth = `20${String(10 + (n % 8)).padStart(2, '0')}0${1 + (n % 9)}1${n % 10}`;
  const id = makeId('440305', birth, String(100 + (n % 900)).padStart(3, '0'));
  const male = Number(id[16]) % 2 === 1;
  return [name, id, male ? '男' : '女', '', ...FEEDS[feed]!.extra, `R-${n}`];
}

export interface Expect {
  file: string;
  feed: FeedName;
  kind: string;
  format: Format;
  /** 'loaded': the file loads, `good` rows stored and `bad` quarantined; 'failed': the file fails with a reason. */
  outcome: 'loaded' | 'failed';
  good: number;
  bad: number;
  /** Personal data that must not appear in any message. */
  secrets: string[];
}

const EXT: Record<Format, string> = { csv: 'csv', 'csv-gb': 'csv', xlsx: 'xlsx', jsonl: 'jsonl', parquet: 'parquet' };

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** Writes rows (the first being the header unless `headerless`) in a format. */
export async function writeRows(db: Db, path: string, format: Format, headers: string[] | null, rows: (string | null)[][]): Promise<void> {
  switch (format) {
    case 'csv':
    case 'csv-gb': {
      const lines = [...(headers ? [headers] : []), ...rows].map((r) => r.map((v) => csvCell(v ?? '')).join(',')).join('\n') + '\n';
      writeFileSync(path, format === 'csv' ? Buffer.from(lines) : iconv.encode(lines, 'gb18030'));
      return;
    }
    case 'xlsx': {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('Sheet1');
      if (headers) ws.addRow(headers);
      for (const r of rows) ws.addRow(r);
      await wb.xlsx.writeFile(path);
      return;
    }
    case 'jsonl': {
      const keys = headers ?? rows[0]!.map((_, i) => `c${i}`);
      writeFileSync(path, rows.map((r) => JSON.stringify(Object.fromEntries(keys.map((k, i) => [k, r[i] ?? null])))).join('\n') + '\n');
      return;
    }
    case 'parquet': {
      const keys = headers ?? rows[0]!.map((_, i) => `c${i}`);
      const values = rows.map((r) => `(${keys.map((_, i) => (r[i] === null || r[i] === undefined ? 'NULL::VARCHAR' : `${lit(r[i]!)}::VARCHAR`)).join(', ')})`).join(', ');
      await db.run(`COPY (SELECT * FROM (VALUES ${values}) t(${keys.map((k) => `"${k}"`).join(', ')})) TO ${lit(path)} (FORMAT parquet)`);
      return;
    }
  }
}

/** A ZIP archive (stored or deflated entries) with a comment, written by hand: for bombs and broken workbooks. */
export function zipArchive(entries: { name: string; data: Buffer }[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const deflated = deflateRawSync(e.data, { level: 9 });
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(0, 14); // CRC not checked before the central directory check
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, deflated);
    centrals.push(central, name);
    offset += 30 + name.length + deflated.length;
  }
  const cd = Buffer.concat(centrals);
  const c = Buffer.from(comment);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(c.length, 20);
  return Buffer.concat([...locals, cd, end, c]);
}

/** Writes one file of each hostile kind for `feed` in the formats it applies to; returns the expectations. */
export async function writeHostile(db: Db, inbox: string, feed: FeedName, bomb: Buffer): Promise<Expect[]> {
  const { headers } = FEEDS[feed]!;
  const out: Expect[] = [];
  const dir = join(inbox, feed);
  const file = (kind: string, format: Format) => join(dir, `${kind}-${format}.${EXT[format]}`);
  const add = (e: Omit<Expect, 'feed'>) => out.push({ ...e, feed });
  const withGood = async (kind: string, format: Format, bad: string[][], secrets: string[] = []) => {
    const rows = [goodRow(feed), ...bad, goodRow(feed)];
    await writeRows(db, file(kind, format), format, headers, rows);
    add({ file: file(kind, format), kind, format, outcome: 'loaded', good: 2, bad: bad.length, secrets });
  };
  const failing = async (kind: string, format: Format, write: (path: string) => Promise<void> | void, secrets: string[] = []) => {
    await write(file(kind, format));
    add({ file: file(kind, format), kind, format, outcome: 'failed', good: 0, bad: 0, secrets });
  };
  const textCol = headers.length - 1;
  for (const format of FORMATS) {
    // Row-level kinds in every format for two feeds, in one format for the others (the same paths;
    // a loaded batch costs far more than a failed one).
    const everyFormat = feed === 'death' || feed === 'registry';
    const oneFormat = format === FORMATS[FEED_NAMES.indexOf(feed) % FORMATS.length];
    if (everyFormat || oneFormat) {
      // A 40,000-character name (it drove normalizeName to 4 GB).
      const longName = goodRow(feed);
      longName[0] = '张' + '乐长行'.repeat(13_333);
      await withGood('long-name', format, [longName], [longName[1]!]);
      // A 1 MB field (over the row bound in a CSV line when 1.1 MB).
      const big = goodRow(feed);
      big[textCol] = 'x'.repeat(format.startsWith('csv') && feed.length % 2 ? 1_100_000 : 1_000_000);
      await withGood('big-field', format, [big], [big[1]!]);
    }
    // A code that is no code: quarantined by normalisation (one format a feed: it is no new path).
    if (oneFormat) {
      const badCode = goodRow(feed);
      badCode[2] = '未知性别X';
      await withGood('bad-code', format, [badCode]);
    }
    // No required columns: the file fails.
    const g = goodRow(feed);
    await failing('no-required', format, (p) => writeRows(db, p, format, ['姓名', '身份证号'], [[g[0]!, g[1]!]]), [g[0]!, g[1]!]);
    // Nothing at all.
    await failing('empty', format, (p) => writeFileSync(p, ''));
    // Garbage bytes.
    await failing('garbage', format, (p) => writeFileSync(p, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761 + feed.length * 97) % 251 | 0x80))));
    // A header-less file: the first record (ID number and name) is where the headers should be.
    if (format !== 'jsonl' && format !== 'parquet') {
      const first = goodRow(feed);
      await failing('headerless', format, (p) => writeRows(db, p, format, null, [first, goodRow(feed)]), [first[0]!, first[1]!]);
    }
    // Wider than the column bound.
    if (format !== 'xlsx' || feed === 'death') {
      // 100,000 columns for two feeds, 5,000 for the others (the same path, cheaper to write); an XLSX
      // has at most 16,384 (Excel's own limit); Parquet 1,500.
      const n = format === 'parquet' ? 1_500 : format === 'xlsx' ? 16_384 : feed === 'death' || feed === 'registry' ? 100_000 : 5_000;
      const wide = [...headers, ...Array.from({ length: n - headers.length }, (_, i) => `col${i}`)];
      const row = [...goodRow(feed), ...Array.from({ length: n - headers.length - 1 }, () => '')];
      if (format === 'parquet') await failing('wide', format, (p) => writeRows(db, p, format, wide, [row.map((v) => v)]));
      else await failing('wide', format, (p) => writeRows(db, p, format, wide, [row]));
    }
  }
  // CSV only: encodings, broken lines, NULs, a header line over the row bound, a future date.
  const latin = goodRow(feed);
  await failing('latin1', 'csv', (p) =>
    writeFileSync(p, Buffer.concat([Buffer.from('name,id_number,death_date,gender\n'), iconv.encode(`José Müller Señora,${latin[1]},2024-01-01,男\nRenée Gonçalves Ærø,${goodRow(feed)[1]},2024-01-02,女\n`, 'latin1')])),
    [latin[1]!],
  );
  await failing('mixed-encoding', 'csv', (p) => {
    const good = [headers, goodRow(feed), goodRow(feed), goodRow(feed), goodRow(feed)].map((r) => r.join(',')).join('\n') + '\n';
    writeFileSync(p, Buffer.concat([Buffer.from(good), iconv.encode(goodRow(feed).join(',') + '\n', 'gbk')]));
  });
  const broken = goodRow(feed);
  await (async () => {
    const p = file('broken-lines', 'csv');
    const lines = [headers.join(','), goodRow(feed).join(','), broken.join(',') + ',extra,cells', goodRow(feed).join(',')];
    writeFileSync(p, lines.join('\n') + '\n');
    add({ file: p, kind: 'broken-lines', format: 'csv', outcome: 'loaded', good: 2, bad: 1, secrets: [] });
  })();
  await failing('long-header', 'csv', (p) => writeFileSync(p, headers.join(',') + 'y'.repeat(1_200_000) + '\n' + goodRow(feed).join(',') + '\n'));
  for (const format of ['csv', 'jsonl'] as Format[]) {
    const nul = goodRow(feed);
    nul[textCol] = 'a\u0000b';
    const p = file('nul', format);
    await writeRows(db, p, format, headers, [goodRow(feed), nul]);
    add({ file: p, kind: 'nul', format, outcome: 'loaded', good: 2, bad: 0, secrets: [] });
  }
  const future = goodRow(feed);
  future[3] = '2030-01-01';
  if (feed === 'death') future[4] = '9999-12-31';
  {
    const p = file('future', 'csv');
    await writeRows(db, p, 'csv', headers, [future]);
    add({ file: p, kind: 'future-date', format: 'csv', outcome: 'loaded', good: 1, bad: 0, secrets: [] });
  }
  // JSON Lines: lines that are no JSON object.
  {
    const p = file('bad-json', 'jsonl');
    const obj = (r: string[]) => JSON.stringify(Object.fromEntries(headers.map((h, i) => [h, r[i]])));
    writeFileSync(p, [obj(goodRow(feed)), '{"姓名": "未闭合', '[1, 2, 3]', obj(goodRow(feed))].join('\n') + '\n');
    add({ file: p, kind: 'bad-json', format: 'jsonl', outcome: 'loaded', good: 2, bad: 2, secrets: [] });
  }
  // XLSX: formula cells with a cached error, with no cached value, a cached 0; truncated; a zip bomb.
  {
    const p = file('formulas', 'xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(headers);
    const a = goodRow(feed);
    const b = goodRow(feed);
    const c = goodRow(feed);
    ws.addRow([...a.slice(0, textCol), { formula: 'NA()', result: { error: '#N/A' } }] as ExcelJS.CellValue[]);
    ws.addRow([b[0], { formula: 'X1' }, ...b.slice(2)] as ExcelJS.CellValue[]);
    ws.addRow([{ formula: 'LEFT(A2,2)', result: c[0] }, ...c.slice(1)] as ExcelJS.CellValue[]);
    ws.addRow([{ error: '#REF!' }, ...goodRow(feed).slice(1)] as ExcelJS.CellValue[]);
    ws.addRow(goodRow(feed));
    await wb.xlsx.writeFile(p);
    add({ file: p, kind: 'formulas', format: 'xlsx', outcome: 'loaded', good: 2, bad: 3, secrets: [] });
  }
  {
    const good = file('truncated-src', 'xlsx');
    await writeRows(db, good, 'xlsx', headers, [goodRow(feed), goodRow(feed)]);
    const bytes = readFileSync(good);
    rmSync(good);
    for (const cut of [0.3, 0.6, 0.9, 0.99]) {
      await failing(`truncated-${cut}`, 'xlsx', (p) => writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length * cut))));
    }
  }
  await failing('zip-bomb', 'xlsx', (p) => writeFileSync(p, withComment(bomb, feed)));
  // Parquet with the wrong types: a number for the name, a double for the ID, a date, a struct, a blob.
  {
    const p = file('types', 'parquet');
    const r = goodRow(feed);
    const extra = FEEDS[feed]!.extra.map((v, i) => `${lit(v)} AS "${headers[4 + i]}"`).join(', ');
    await db.run(
      `COPY (SELECT 12345 AS "姓名", ${r[1]!.slice(0, 17)}::DOUBLE AS "身份证号", '男' AS "性别", DATE '2012-01-01' AS "出生日期", ${extra},
         {'a': 1, 'b': [1, 2]} AS "${headers[textCol]}", '\\xFF\\x00'::BLOB AS blob_col, 3.5::DECIMAL(4,1) AS dec_col
       UNION ALL SELECT NULL, NULL, '女', NULL, ${extra}, NULL, NULL, NULL) TO ${lit(p)} (FORMAT parquet)`,
    );
    // Row 1: its name is a number and its ID a damaged number: stored with findings. Row 2: no name: quarantined.
    add({ file: p, kind: 'parquet-types', format: 'parquet', outcome: 'loaded', good: 1, bad: 1, secrets: [] });
  }
  return out;
}

/** The bomb with a comment naming the feed: another file content for each. */
function withComment(zip: Buffer, comment: string): Buffer {
  const head = Buffer.from(zip); // written without a comment: its length is the last two bytes
  head.writeUInt16LE(comment.length, zip.length - 2);
  return Buffer.concat([head, Buffer.from(comment)]);
}

/** A workbook whose sheet inflates 32 MB of spaces from about 32 KB. */
export function zipBomb(): Buffer {
  return zipArchive([
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>') },
    { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(32 << 20, 0x20) },
  ]);
}
