import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { InputError } from '../limits.js';
import type { Encoding } from './types.js';

/** What the bytes of a sample say about its encoding. */
export interface ByteCensus {
  /** Multi-byte UTF-8 sequences that are valid, and bytes that are not UTF-8 (each invalid byte once). */
  utf8Valid: number;
  utf8Invalid: number;
  /** 1-based line of the first byte that is not UTF-8. */
  utf8FirstInvalidLine: number | null;
  /** GB18030 two-byte characters in the GB2312 area (nearly every character of real Chinese text), the other two- and four-byte ones, and bytes that are no GB18030 at all. */
  gb2312: number;
  gbOther: number;
  gbInvalid: number;
  gbFirstSuspectLine: number | null;
}

/** Counts the sample's byte sequences as UTF-8 and as GB18030 (both at once, one pass each). */
export function censusOf(sample: Uint8Array): ByteCensus {
  const c: ByteCensus = { utf8Valid: 0, utf8Invalid: 0, utf8FirstInvalidLine: null, gb2312: 0, gbOther: 0, gbInvalid: 0, gbFirstSuspectLine: null };
  const cont = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;
  let line = 1;
  for (let i = 0; i < sample.length; ) {
    const b = sample[i]!;
    if (b < 0x80) {
      if (b === 0x0a) line++;
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    let ok = need > 0 && i + need < sample.length + 0;
    for (let k = 1; ok && k <= need; k++) ok = cont(sample[i + k]);
    if (ok && need === 2 && ((b === 0xe0 && sample[i + 1]! < 0xa0) || (b === 0xed && sample[i + 1]! > 0x9f))) ok = false;
    if (ok) {
      c.utf8Valid++;
      i += need + 1;
    } else {
      c.utf8Invalid++;
      c.utf8FirstInvalidLine ??= line;
      i++;
    }
  }
  line = 1;
  const suspect = () => (c.gbFirstSuspectLine ??= line);
  for (let i = 0; i < sample.length; ) {
    const b = sample[i]!;
    if (b < 0x80) {
      if (b === 0x0a) line++;
      i++;
      continue;
    }
    const t = sample[i + 1];
    if (b >= 0x81 && b <= 0xfe && t !== undefined && t >= 0x40 && t <= 0xfe && t !== 0x7f) {
      if (b >= 0xa1 && b <= 0xf7 && t >= 0xa1) c.gb2312++;
      else {
        c.gbOther++;
        suspect();
      }
      i += 2;
    } else if (b >= 0x81 && b <= 0xfe && t !== undefined && t >= 0x30 && t <= 0x39 && (sample[i + 2] ?? 0) >= 0x81 && (sample[i + 3] ?? 0) >= 0x30 && (sample[i + 3] ?? 0xff) <= 0x39) {
      c.gbOther++;
      i += 4;
    } else if (t === undefined) {
      i++; // cut at the end of the sample
    } else {
      c.gbInvalid++;
      suspect();
      i++;
    }
  }
  return c;
}

/**
 * The encoding of a CSV from its first MiB: UTF-8 when it decodes strictly as UTF-8 (a character
 * cut at the end of the sample is allowed), GB18030 (the superset of GBK and GB2312 of legacy
 * Chinese exports) when its bytes read as GB18030 text. Anything else fails with the real cause
 * instead of loading garbled names: UTF-8 with lines of another encoding mixed in, or a Western
 * encoding such as Latin-1 (which GB18030 would read as rare characters).
 */
export async function detectEncoding(path: string): Promise<Encoding> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    let sample = buf.subarray(0, bytesRead);
    if (bytesRead === buf.length) {
      // Drop a trailing partial multi-byte sequence.
      let cut = sample.length;
      while (cut > 0 && cut > sample.length - 4 && (sample[cut - 1]! & 0xc0) === 0x80) cut--;
      if (cut > 0 && sample[cut - 1]! >= 0xc0) cut--;
      sample = sample.subarray(0, cut);
    }
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample);
      return 'utf-8';
    } catch {
      // below
    }
    const c = censusOf(sample);
    if (c.utf8Valid >= 4 * c.utf8Invalid) {
      throw new InputError(
        `文件编码混杂 (mixed encoding): 内容大多是 UTF-8, 但第 ${c.utf8FirstInvalidLine} 行起有不是 UTF-8 的字节 (${c.utf8Invalid} 处; 可能混入了 GBK/GB18030 或西文编码的行); 请整份另存为 UTF-8 或 GB18030 后重新放入`,
      );
    }
    if (c.gbInvalid > 0 || c.gbOther > c.gb2312) {
      throw new InputError(
        `文件编码无法识别 (unknown encoding): 既不是 UTF-8 也不像 GB18030 中文 (第 ${c.gbFirstSuspectLine ?? 1} 行起; 可能是 Latin-1/Windows-1252 等西文编码); 请另存为 UTF-8 或 GB18030 后重新放入`,
      );
    }
    return 'gb18030';
  } finally {
    await fh.close();
  }
}

/**
 * Streams a GB18030 file into a UTF-8 copy that DuckDB's CSV reader can scan. The write stream
 * encodes the decoded text as UTF-8 itself; 1 MiB chunks keep the per-chunk overhead down.
 */
export async function transcodeToUtf8(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src, { highWaterMark: 1 << 20 }), iconv.decodeStream('gb18030'), createWriteStream(dest, { highWaterMark: 1 << 20 }));
}
