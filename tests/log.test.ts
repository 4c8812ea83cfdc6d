import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskEmbeddedId, maskId } from '../pipeline/log.js';

describe('personal data in logs', () => {
  it('masks an ID number to its first 6 and last 4 characters', () => {
    expect(maskId('44030520120315123X')).toBe('440305********123X');
    expect(maskId('440305120315123')).toBe('440305*****5123');
    expect(maskId(null)).toBe('');
    // A 残疾人证号 is the holder's ID plus two digits: masked too; a number without an ID in it is not.
    expect(maskEmbeddedId('44020320100719749553')).toBe('440203**********9553');
    expect(maskEmbeddedId('JD-2026-0042')).toBe('JD-2026-0042');
  });

  it('redacts ID numbers, names and raw rows wherever they are logged', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger(sink as never);
    logger.level = 'info';
    logger.info(
      {
        id_number: '44030520120315123X',
        name: '王小明',
        batch: { raw: '{"姓名":"王小明"}', row: 3 },
        flag: { child_name: '李小红', child_id_number: '440305201001011234', parents: { father_id_number: '440305198001011235', mother_name: '张芳' } },
        feed: 'death',
      },
      'x',
    );
    const text = lines.join('');
    for (const secret of ['44030520120315123X', '王小明', '李小红', '440305201001011234', '440305198001011235', '张芳']) expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toMatchObject({ id_number: '[redacted]', feed: 'death', batch: { raw: '[redacted]' } });
  });
});
