import { createReadStream } from 'node:fs';

const NL = 0x0a;
const CR = 0x0d;

/** Physical lines of a file: its newline count, plus one for a last line without a newline. */
export async function countLines(path: string): Promise<number> {
  let lines = 0;
  let last = NL;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(NL); i !== -1; i = chunk.indexOf(NL, i + 1)) lines++;
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  return last === NL ? lines : lines + 1;
}

/**
 * Where each CSV record starts, numbered as DuckDB numbers records in its rejects table: record r
 * (1 = the header) is the r-th run of text between newlines outside quotes, a blank line
 * counting as a record of its own. Returns the 1-based physical line each record starts on, and
 * whether it is blank (DuckDB skips those). Needed only when a file has quoted line breaks or
 * blank lines. Quotes are RFC 4180 double quotes: a doubled quote inside quotes toggles twice.
 */
export async function csvRecordStarts(path: string): Promise<{ start: Int32Array; blank: Uint8Array; count: number }> {
  const q = 0x22; // the double quote
  let start = new Int32Array(1 << 16);
  let blank = new Uint8Array(1 << 16);
  let count = 0;
  let line = 1;
  let inQuotes = false;
  let recordStart = 1;
  let empty = true;
  const push = () => {
    if (count === start.length) {
      const s = new Int32Array(start.length * 2);
      s.set(start);
      start = s;
      const b = new Uint8Array(blank.length * 2);
      b.set(blank);
      blank = b;
    }
    start[count] = recordStart;
    blank[count] = empty ? 1 : 0;
    count++;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === q) {
        inQuotes = !inQuotes;
        empty = false;
      } else if (c === NL) {
        line++;
        if (!inQuotes) {
          push();
          recordStart = line;
          empty = true;
        }
      } else if (c !== CR) {
        empty = false;
      }
    }
  }
  if (!empty || inQuotes) push();
  return { start: start.subarray(0, count), blank: blank.subarray(0, count), count };
}
