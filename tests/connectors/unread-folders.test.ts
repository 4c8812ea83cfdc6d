// Issue 15: an inbox folder that is not a known feed is named in a warning, never silently skipped.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { unreadFolders } from '../../connectors/index.js';
import { tempDir, writeFile } from '../helpers.js';

describe('inbox folders no source reads', () => {
  it('names the folders that are not a feed (nor a configured source), not the hidden ones', async () => {
    const inbox = tempDir('bidui-unread-');
    for (const f of ['death', 'enrollment', 'court', 'hiv', 'jiaoyu', '.cache']) mkdirSync(join(inbox, f));
    writeFile(inbox, 'court/judgments.csv', '姓名,身份证号\n');
    writeFile(inbox, 'readme.txt', 'a file at the top is not a folder');
    const cfg = loadConfig(undefined, { database: ':memory:', inbox });
    // The five optional feeds of issue 15 are read by default: only a folder that is no feed is named.
    expect(await unreadFolders(cfg)).toEqual(['jiaoyu']);
    // With configured sources, only their folders are read.
    const withSource = loadConfig(undefined, { database: ':memory:', inbox, sources: [{ name: 'court-fayuan', feed: 'court', path: 'court/*.csv' }] });
    expect(await unreadFolders(withSource)).toEqual(['death', 'enrollment', 'hiv', 'jiaoyu']);
    expect(await unreadFolders(cfg, join(inbox, 'missing'))).toEqual([]);
  });
});
