// `bidui pull` and `bidui status` against a real platform server on a loopback port: Chinese output,
// the exit code of a failed pull, and a debug-level log (stderr) without the secret.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../connectors/platform-server.js';
import { makeId, tempDir } from '../helpers.js';
import { biduiArgs, ROOT } from '../setup/cli.js';

const run = promisify(execFile);
const SECRET = 'cli-S3CRET-a1b2c3d4';
let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ appKey: 'county', secret: SECRET, algorithm: 'sm3', token: 't', pageSize: 2 });
  platform.rows = [0, 1, 2].map((i) => ({ JLBH: `R-${i}`, XM: '李雷', SFZH: makeId('440305', '19800101', `13${i}`), SWRQ: '2026-08-01', GXSJ: `2026-09-0${i + 1}T08:00:00` }));
});
afterAll(() => platform.close());

describe('bidui pull', () => {
  it('pulls and ingests, status shows the last pull and mark; a wrong secret fails with exit code 3 and a Chinese reason; no secret on stderr', async () => {
    const dir = tempDir();
    const config = join(dir, 'bidui.json');
    writeFileSync(
      config,
      JSON.stringify({
        database: 'bidui.duckdb',
        inbox: 'inbox',
        sources: [
          {
            name: 'death-platform',
            feed: 'death',
            pull: {
              url: `${platform.url}/api/death/page`,
              auth: { type: 'hmac', appKey: 'county', secret: { env: 'BIDUI_TEST_PLATFORM_SECRET' } },
              paging: { style: 'page', size: 2 },
              rowsField: 'data.rows',
              since: { field: 'GXSJ' },
              fields: { XM: 'name', SFZH: 'id_number', SWRQ: 'death_date', JLBH: 'record_id' },
            },
          },
        ],
      }),
    );
    const bidui = async (args: string[], secret: string) =>
      run(process.execPath, [...(await biduiArgs()), '--config', config, ...args], {
        cwd: ROOT,
        env: { ...process.env, BIDUI_LOG_LEVEL: 'debug', BIDUI_TEST_PLATFORM_SECRET: secret },
      }).catch((e: { stdout: string; stderr: string; code: number }) => e);

    const ok = await bidui(['pull'], SECRET);
    expect(ok.stdout).toMatch(/拉取成功  \[死亡[^\]]*\] death-platform：2 页，3 行，已写入 .*death-platform_\d{8}-\d{6}-\d{3}\.jsonl；增量标记 2026-09-03T08:00:00/);
    expect(ok.stdout).toMatch(/已载入  \[死亡[^\]]*\] .*death-platform_.*\.jsonl  3 行载入/);
    const status = await bidui(['status'], SECRET);
    expect(status.stdout).toContain('拉取数据源（数据共享平台）：');
    expect(status.stdout).toMatch(/death-platform .*北京时间 +成功 +3 行 +2026-09-03T08:00:00/);

    const failed = await bidui(['pull'], 'not-the-secret');
    expect((failed as { code?: number }).code).toBe(3);
    expect(failed.stdout).toContain('拉取失败  [死亡');
    expect(failed.stdout).toContain('数据共享平台拒绝了认证（HTTP 401，第 1 页）');
    const after = await bidui(['status', '--json'], SECRET);
    const pulls = (JSON.parse(after.stdout) as { pulls: { source: string; state: { mark: string; last_status: string; last_error: string } }[] }).pulls;
    expect(pulls).toMatchObject([{ source: 'death-platform', state: { mark: '2026-09-03T08:00:00', last_status: 'failed' } }]);
    expect((await bidui(['status'], SECRET)).stdout).toContain('上次拉取失败：数据源 death-platform：数据共享平台拒绝了认证');

    // stderr carried the debug log of each run: pages, the failure; never the secret.
    for (const r of [ok, failed]) {
      expect(r.stderr).toContain('"msg":"pull');
      expect(r.stderr).not.toContain(SECRET);
      expect(r.stderr).not.toContain('not-the-secret');
    }
  });
});
