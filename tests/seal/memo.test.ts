// Sealing remembers the sealed text of recent values (pipeline/seal/cipher.ts): a value sealed again is looked up, and
// what it gives is exactly what sealing gives, under that key only.
import { describe, expect, it } from 'vitest';
import { openMany, sealCost, sealKeys, sealMany } from '../../pipeline/seal/index.js';

const keyA = sealKeys(Buffer.alloc(32, 7));
const keyB = sealKeys(Buffer.alloc(32, 9));

describe('sealing remembers recent values', () => {
  it('gives a remembered value the same sealed text, and counts it', () => {
    const values = ['张伟', '440402198403010115', null, '张伟'];
    const first = sealMany(keyA, values);
    const before = { ...sealCost };
    const again = sealMany(keyA, values);
    expect(again).toEqual(first);
    expect(first[0]).toBe(first[3]);
    expect(first[2]).toBeNull();
    expect(sealCost.remembered - before.remembered).toBe(3);
    expect(sealCost.sealed - before.sealed).toBe(3);
    expect(openMany(keyA, again)).toEqual(values);
  });

  it('does not give a value the text another key sealed', () => {
    const [a] = sealMany(keyA, ['李秀英']);
    const [b] = sealMany(keyB, ['李秀英']);
    expect(b).not.toBe(a);
    expect(openMany(keyB, [b!])).toEqual(['李秀英']);
    expect(() => openMany(keyA, [b!])).toThrow();
  });

  it('seals a value again, to the same text, once it is forgotten', () => {
    const [old] = sealMany(keyB, ['王芳']);
    // 250,000 other values: more than the two generations hold
    for (let start = 0; start < 250_000; start += 2048) {
      sealMany(keyB, Array.from({ length: 2048 }, (_, i) => `v${start + i}`));
    }
    const before = { ...sealCost };
    const [later] = sealMany(keyB, ['王芳']);
    expect(sealCost.remembered - before.remembered).toBe(0);
    expect(later).toBe(old);
  });
});
