import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskId } from '../pipeline/log.js';

describe('personal data in logs', () => {
  it('masks an ID number to its first 6 and last 4 characters', () => {
    expect(maskId('44030520120315123X')).toBe('440305********123X');
    expect(maskId('440305120315123')).toBe('440305*****5123');
    expect(maskId(null)).toBe('');
  });

  it('redacts ID numbers, names and raw rows wherever they are logged', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger(sink as never);
    logger.level = 'info';
    logger.info({ id_number: '44030520120315123X', name: '王小明', batch: { raw: '{"姓名":"王小明"}', row: 3 }, feed: 'death' }, 'x');
    const text = lines.join('');
    expect(text).not.toContain('44030520120315123X');
    expect(text).not.toContain('王小明');
    expect(JSON.parse(text)).toMatchObject({ id_number: '[redacted]', feed: 'death', batch: { raw: '[redacted]' } });
  });
});
