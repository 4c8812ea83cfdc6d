import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import type { Encoding } from './types.js';

/**
 * UTF-8 when the first MiB decodes strictly as UTF-8 (a character cut at the end of the sample
 * is allowed), else GB18030 — the superset of GBK and GB2312 that legacy Chinese exports use.
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
      return 'gb18030';
    }
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
