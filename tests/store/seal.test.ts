import { createCipheriv, createHmac, hash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openMany, sealKeys, sealMany } from '../../pipeline/seal/index.js';
import { hmacSm3Into, hmacSm3Key, sm3 } from '../../pipeline/seal/sm3.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('SM3 and HMAC-SM3 (pipeline/seal/sm3.ts)', () => {
  it('gives the examples of GB/T 32905-2016', () => {
    expect(hex(sm3(Buffer.from('abc')))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(hex(sm3(Buffer.from('abcd'.repeat(16))))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });

  it('agrees with OpenSSL on every length around the block boundaries', () => {
    const key = randomBytes(32);
    const mac = hmacSm3Key(key);
    const out = new Uint8Array(32);
    for (let n = 0; n <= 200; n++) {
      const data = randomBytes(n);
      expect(hex(sm3(data)), `sm3, ${n} bytes`).toBe(hash('sm3', data));
      hmacSm3Into(mac, data, out, 0, 32);
      expect(hex(out), `hmac, ${n} bytes`).toBe(createHmac('sm3', key).update(data).digest('hex'));
    }
  });
});

describe('sealed values', () => {
  const master = Buffer.from('7f'.repeat(32), 'hex');
  const keys = sealKeys(master);

  it('are the SIV construction computed with OpenSSL alone: stores sealed before keep joining', () => {
    const values = ['510104198803150012', '王小明', '', 'x'.repeat(70), null];
    const sealed = sealMany(keys, values);
    values.forEach((v, i) => {
      if (v === null) return expect(sealed[i]).toBeNull();
      const plain = Buffer.from(v, 'utf8');
      const iv = createHmac('sm3', keys.macKey).update(plain).digest().subarray(0, 16);
      const body = createCipheriv('sm4-ctr', keys.encKey, iv).update(plain);
      expect(sealed[i]).toBe('~' + Buffer.concat([iv, body]).toString('base64url'));
    });
    expect(openMany(keys, sealed)).toEqual(values);
  });

  it('refuse to open when changed', () => {
    const [s] = sealMany(keys, ['510104198803150012']);
    const raw = Buffer.from(s!.slice(1), 'base64url');
    raw[raw.length - 1]! ^= 1;
    expect(() => openMany(keys, ['~' + raw.toString('base64url')])).toThrow(/无法用当前密钥/);
  });
});
