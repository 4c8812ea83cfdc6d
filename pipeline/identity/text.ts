// Edit distances over Unicode code points. DuckDB's built-ins count UTF-8 bytes and
// fastest-levenshtein counts UTF-16 units; both are wrong for Chinese names and rare characters.

function codePoints(s: string, out: Int32Array): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out[n++] = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    out[n++] = c;
  }
  return n;
}

// Reused between calls: the matchers call this millions of times on short strings.
let bufA = new Int32Array(64);
let bufB = new Int32Array(64);
let rows = new Int32Array(3 * 65);

/** Damerau-Levenshtein distance (optimal string alignment) counted per code point. */
export function charDamerau(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length > bufA.length) bufA = new Int32Array(a.length);
  if (b.length > bufB.length) bufB = new Int32Array(b.length);
  const n = codePoints(a, bufA);
  const m = codePoints(b, bufB);
  if (n === 0) return m;
  if (m === 0) return n;
  const w = m + 1;
  if (rows.length < 3 * w) rows = new Int32Array(3 * w);
  // Three rolling rows: i-2 (for transpositions), i-1, i.
  let prev2 = 0;
  let prev = w;
  let cur = 2 * w;
  for (let j = 0; j <= m; j++) rows[prev + j] = j;
  for (let i = 1; i <= n; i++) {
    const ca = bufA[i - 1]!;
    rows[cur] = i;
    for (let j = 1; j <= m; j++) {
      const cb = bufB[j - 1]!;
      const cost = ca === cb ? 0 : 1;
      let v = Math.min(rows[prev + j]! + 1, rows[cur + j - 1]! + 1, rows[prev + j - 1]! + cost);
      if (i > 1 && j > 1 && ca === bufB[j - 2] && bufA[i - 2] === cb) v = Math.min(v, rows[prev2 + j - 2]! + 1);
      rows[cur + j] = v;
    }
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return rows[prev + m]!;
}
