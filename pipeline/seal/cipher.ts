// Field sealing with the national algorithms (RULES.md §4): SM4 for confidentiality, SM3 for keyed
// hashes. A sealed value is deterministic (SIV construction): its IV is HMAC-SM3 of the plaintext
// under the MAC key, and the same IV, recomputed after decryption, authenticates it. Equal values
// seal to equal text, so the store can join, group and index sealed columns without opening them
// (the "blind index" is the sealed value itself); what that reveals is written in docs/protection.md.
//
// Node has no sm4-gcm or sm4-siv, and creating a cipher per value costs ~3.5 µs: CTR mode is built
// from one long-lived sm4-ecb cipher that encrypts the counter blocks of a whole batch of values in
// one call (~1 µs a value), and the HMAC starts from the pads' states computed once per key (sm3.ts:
// 0.8 µs a value, against 4.3 µs for two of OpenSSL's one-shot hashes).
import { createCipheriv, createHmac, timingSafeEqual, type Cipher } from 'node:crypto';
import { hmacSm3Into, hmacSm3Key, type HmacSm3Key } from './sm3.js';

/** Prefix of a sealed value: '~' never starts base64url, so sealed text is told from plain text. */
export const SEALED_PREFIX = '~';
const IV_BYTES = 16;
const BLOCK = 16;

/** The keys one master key gives (derived with HMAC-SM3, so one secret is all the bureau keeps). */
export interface SealKeys {
  /** 16 hex digits that name the key without revealing it (stored in the store; shown in errors). */
  id: string;
  ecb: Cipher;
  mac: HmacSm3Key;
  encKey: Buffer;
  macKey: Buffer;
}

function derive(master: Buffer, label: string, bytes: number): Buffer {
  return createHmac('sm3', master).update(label).digest().subarray(0, bytes);
}

/** The working keys of a 32-byte master key. */
export function sealKeys(master: Buffer): SealKeys {
  if (master.length !== 32) throw new Error('bidui key: 32 bytes expected');
  const encKey = derive(master, 'bidui/sm4/field', 16);
  const macKey = derive(master, 'bidui/hmac-sm3/field', 32);
  const ecb = createCipheriv('sm4-ecb', encKey, null);
  ecb.setAutoPadding(false);
  return { id: derive(master, 'bidui/key-id', 8).toString('hex'), ecb, mac: hmacSm3Key(macKey), encKey, macKey };
}

/** HMAC-SM3 (RFC 2104) of `data`, first 16 bytes, written at the start of `out` (else of a new buffer). */
function tag(keys: SealKeys, data: Buffer, out: Buffer = Buffer.allocUnsafe(IV_BYTES)): Buffer {
  hmacSm3Into(keys.mac, data, out, 0, IV_BYTES);
  return out.subarray(0, IV_BYTES);
}

/** Writes counter block `iv + i` (128-bit big-endian addition) at `out[offset]`. */
function counterBlock(iv: Buffer, i: number, out: Buffer, offset: number): void {
  iv.copy(out, offset);
  let carry = i;
  for (let b = BLOCK - 1; b >= 0 && carry > 0; b--) {
    const sum = out[offset + b]! + (carry & 0xff);
    out[offset + b] = sum & 0xff;
    carry = (carry >>> 8) + (sum >> 8);
  }
}

/** XORs each buffer with the SM4-CTR key stream that starts at its IV; one ECB call for the batch. */
function applyKeyStream(keys: SealKeys, ivs: Buffer[], bodies: Buffer[]): void {
  let blocks = 0;
  for (const b of bodies) blocks += Math.ceil(b.length / BLOCK);
  if (blocks === 0) return;
  const counters = Buffer.allocUnsafe(blocks * BLOCK);
  let at = 0;
  bodies.forEach((b, k) => {
    const n = Math.ceil(b.length / BLOCK);
    for (let i = 0; i < n; i++, at += BLOCK) counterBlock(ivs[k]!, i, counters, at);
  });
  const stream = keys.ecb.update(counters);
  at = 0;
  for (const b of bodies) {
    for (let j = 0; j < b.length; j++) b[j]! ^= stream[at + j]!;
    at += Math.ceil(b.length / BLOCK) * BLOCK;
  }
}

/**
 * What sealing and opening have cost this process: values and milliseconds of the calls (the cost of
 * protection at rest measured inside a run, printed by bench:quarter).
 */
export const sealCost = { sealed: 0, sealMs: 0, opened: 0, openMs: 0 };

/** Seals each value (null stays null). */
export function sealMany(keys: SealKeys, values: readonly (string | null)[]): (string | null)[] {
  const started = performance.now();
  const at: number[] = [];
  const sealed: Buffer[] = [];
  const ivs: Buffer[] = [];
  const bodies: Buffer[] = [];
  values.forEach((v, i) => {
    if (v == null) return;
    // IV and body in one buffer: the sealed bytes without a copy.
    const whole = Buffer.allocUnsafe(IV_BYTES + Buffer.byteLength(v, 'utf8'));
    whole.write(v, IV_BYTES, 'utf8');
    const body = whole.subarray(IV_BYTES);
    at.push(i);
    sealed.push(whole);
    ivs.push(tag(keys, body, whole));
    bodies.push(body);
  });
  applyKeyStream(keys, ivs, bodies);
  const out: (string | null)[] = new Array(values.length).fill(null);
  at.forEach((i, k) => {
    out[i] = SEALED_PREFIX + sealed[k]!.toString('base64url');
  });
  sealCost.sealed += at.length;
  sealCost.sealMs += performance.now() - started;
  return out;
}

/** A value that is not sealed text, or does not open with this key. */
export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

/**
 * Opens each sealed value (null stays null); throws SealError for text that is not sealed. With `verify`
 * (the default) the synthetic IV is recomputed and compared, which refuses a value sealed under another
 * key or changed; it is three quarters of the cost of opening, so bulk reads in SQL (bidui_open) skip it:
 * the store checks its key id when it opens (store_key), and a writer of the store file could change
 * its clear columns anyway (docs/protection.md).
 */
export function openMany(keys: SealKeys, values: readonly (string | null)[], opts: { verify?: boolean } = {}): (string | null)[] {
  const started = performance.now();
  const verify = opts.verify ?? true;
  const at: number[] = [];
  const ivs: Buffer[] = [];
  const bodies: Buffer[] = [];
  values.forEach((v, i) => {
    if (v == null) return;
    if (!v.startsWith(SEALED_PREFIX)) throw new SealError('数据库中有未加密的个人信息字段（应为密文）');
    const raw = Buffer.from(v.slice(SEALED_PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES) throw new SealError('密文已损坏');
    at.push(i);
    ivs.push(raw.subarray(0, IV_BYTES));
    bodies.push(Buffer.from(raw.subarray(IV_BYTES)));
  });
  applyKeyStream(keys, ivs, bodies);
  const out: (string | null)[] = new Array(values.length).fill(null);
  at.forEach((i, k) => {
    if (verify && !timingSafeEqual(tag(keys, bodies[k]!), ivs[k]!)) throw new SealError(`密文无法用当前密钥（编号 ${keys.id}）解开：密钥不对，或数据被改动`);
    out[i] = bodies[k]!.toString('utf8');
  });
  sealCost.opened += at.length;
  sealCost.openMs += performance.now() - started;
  return out;
}

export const seal = (keys: SealKeys, value: string): string => sealMany(keys, [value])[0]!;
export const open = (keys: SealKeys, value: string): string => openMany(keys, [value])[0]!;
