// SM3 (GB/T 32905-2016) and HMAC-SM3 with precomputed pad states, for the synthetic IV of every sealed value.
// Node's one-shot hash('sm3') costs ~1.3 µs a call whatever the input, and an HMAC takes two calls over four
// blocks; here an HMAC of a short value is two compressions (the pads' blocks are compressed once per key).
// tests/seal/sm3.test.ts checks it against the standard's examples and against OpenSSL on random inputs.

const IV = Int32Array.of(0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600 | 0, 0xa96f30bc | 0, 0x163138aa, 0xe38dee4d | 0, 0xb0fb0e4e | 0);
/** T_j rotated left by j mod 32: the round constants as the compression adds them. */
const TJ = new Int32Array(64);
for (let j = 0; j < 64; j++) {
  const t = j < 16 ? 0x79cc4519 : 0x7a879d8a;
  const r = j % 32;
  TJ[j] = r === 0 ? t : (t << r) | (t >>> (32 - r));
}

const W = new Int32Array(68);
const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

/** Compresses the 64-byte block at `block[offset]` into `v` (8 words). */
function compress(v: Int32Array, block: Uint8Array, offset: number): void {
  for (let j = 0; j < 16; j++) {
    const o = offset + j * 4;
    W[j] = (block[o]! << 24) | (block[o + 1]! << 16) | (block[o + 2]! << 8) | block[o + 3]!;
  }
  for (let j = 16; j < 68; j++) {
    const x = W[j - 16]! ^ W[j - 9]! ^ rotl(W[j - 3]!, 15);
    W[j] = x ^ rotl(x, 15) ^ rotl(x, 23) ^ rotl(W[j - 13]!, 7) ^ W[j - 6]!;
  }
  let a = v[0]!, b = v[1]!, c = v[2]!, d = v[3]!, e = v[4]!, f = v[5]!, g = v[6]!, h = v[7]!;
  for (let j = 0; j < 64; j++) {
    const a12 = rotl(a, 12);
    const ss1 = rotl((a12 + e + TJ[j]!) | 0, 7);
    const ss2 = ss1 ^ a12;
    const ff = j < 16 ? a ^ b ^ c : (a & b) | (a & c) | (b & c);
    const gg = j < 16 ? e ^ f ^ g : (e & f) | (~e & g);
    const tt1 = (ff + d + ss2 + (W[j]! ^ W[j + 4]!)) | 0;
    const tt2 = (gg + h + ss1 + W[j]!) | 0;
    d = c;
    c = rotl(b, 9);
    b = a;
    a = tt1;
    h = g;
    g = rotl(f, 19);
    f = e;
    e = tt2 ^ rotl(tt2, 9) ^ rotl(tt2, 17);
  }
  v[0]! ^= a; v[1]! ^= b; v[2]! ^= c; v[3]! ^= d; v[4]! ^= e; v[5]! ^= f; v[6]! ^= g; v[7]! ^= h;
}

const tail = new Uint8Array(128);

/**
 * Continues the hash state `v` (after `before` bytes, a multiple of 64) over `data`, pads, and leaves the digest
 * in `v`.
 */
function finish(v: Int32Array, before: number, data: Uint8Array): void {
  const full = data.length - (data.length % 64);
  for (let o = 0; o < full; o += 64) compress(v, data, o);
  const rest = data.length - full;
  const blocks = rest + 9 > 64 ? 2 : 1;
  tail.fill(0, 0, blocks * 64);
  tail.set(data.subarray(full), 0);
  tail[rest] = 0x80;
  const bits = (before + data.length) * 8;
  const end = blocks * 64;
  // Values here are far below 2^53 bits: the high word is what does not fit in 32 bits.
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  tail[end - 8] = hi >>> 24; tail[end - 7] = hi >>> 16; tail[end - 6] = hi >>> 8; tail[end - 5] = hi;
  tail[end - 4] = lo >>> 24; tail[end - 3] = lo >>> 16; tail[end - 2] = lo >>> 8; tail[end - 1] = lo;
  compress(v, tail, 0);
  if (blocks === 2) compress(v, tail, 64);
}

function digestBytes(v: Int32Array, out: Uint8Array, offset: number, bytes: number): void {
  for (let i = 0; i < bytes; i++) out[offset + i] = v[i >> 2]! >>> (24 - (i & 3) * 8);
}

/** SM3 of `data` (32 bytes). */
export function sm3(data: Uint8Array): Uint8Array {
  const v = IV.slice();
  finish(v, 0, data);
  const out = new Uint8Array(32);
  digestBytes(v, out, 0, 32);
  return out;
}

/** The states after the HMAC pads of one key: what every HMAC under that key starts from. */
export interface HmacSm3Key {
  inner: Int32Array;
  outer: Int32Array;
}

/** Precomputes HMAC-SM3 (RFC 2104) for `key` (at most 64 bytes, as every bidui MAC key). */
export function hmacSm3Key(key: Uint8Array): HmacSm3Key {
  if (key.length > 64) throw new Error('HMAC-SM3: keys over 64 bytes are not used here');
  const ipad = new Uint8Array(64).fill(0x36);
  const opad = new Uint8Array(64).fill(0x5c);
  key.forEach((k, i) => {
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  });
  const inner = IV.slice();
  compress(inner, ipad, 0);
  const outer = IV.slice();
  compress(outer, opad, 0);
  return { inner, outer };
}

const state = new Int32Array(8);
const innerDigest = new Uint8Array(32);

/** HMAC-SM3 of `data` under `key`, its first `bytes` bytes written at `out[offset]`. */
export function hmacSm3Into(key: HmacSm3Key, data: Uint8Array, out: Uint8Array, offset: number, bytes: number): void {
  state.set(key.inner);
  finish(state, 64, data);
  digestBytes(state, innerDigest, 0, 32);
  state.set(key.outer);
  finish(state, 64, innerDigest);
  digestBytes(state, out, offset, bytes);
}
