// The exchange round trip (FEEDS.md "Exchange"): the query list written from the registry (XLSX and
// GB18030 CSV, audited, remembered), an agency's answer with two hits and one silence dropped into the
// inbox, the quarter run: the hits link through request_id (one of them has no ID and another
// spelling of the name: identity alone would not link it) and raise their flags, and `rules explain`
// says "no record as of the answer date" for the request the answer does not mention.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { writeExchangeRequest } from '../../exports/index.js';
import { embeddedExecutor, resultsRoot, runQuarter } from '../../jobs/index.js';
import { openStore, queryRows } from '../../pipeline/store/index.js';
import { exchangeSummaries, explainChild } from '../../rules/index.js';
import { makeId, opened, tempDir, writeFile } from '../helpers.js';

const T = '2026-09-30';
const A = makeId('440305', '20150312', '013'); // child A (R001)
const B = makeId('440305', '20160707', '024'); // child B (R002)
const C = makeId('440305', '19580101', '046'); // B's carer 王秀英

describe('the exchange', () => {
  it('request file → answer with two hits and one silence → the flags and the traces that follow', async () => {
    const dir = tempDir();
    const cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox: join(dir, 'inbox'), jobs: { resultsDir: join(dir, 'jobs') } });
    const db = await openStore(cfg.database);
    writeFile(
      cfg.inbox,
      'registry/roster.csv',
      [
        '儿童编号,姓名,身份证号,户籍地区划代码,保障类别,保障状态,纳入保障日期,父亲情况,父亲情况起始日期,母亲情况,母亲情况起始日期,委托照护人姓名,委托照护人身份证号,与儿童关系',
        `R001,陈小明,${A},440305,事实无人抚养儿童,在保,2023-01-01,服刑在押,2024-01-01,死亡,2020-05-01,,,`,
        `R002,刘小红,${B},440305,留守儿童,在保,2024-03-01,正常,,正常,,王秀英,${C},祖父母`,
        `R003,赵小刚,${makeId('440305', '20140101', '035')},440305,留守儿童,停保,2019-01-01,正常,,正常,,,,`,
      ].join('\n') + '\n',
    );
    expect((await ingestInbox(db, cfg)).map((r) => r.status)).toEqual(['loaded']);

    // The query list: the active children and the carer (R003 is stopped; A's parents have no name or ID), audited.
    const out = join(dir, 'out');
    const req = await writeExchangeRequest(db, { feed: 'death', outDir: out, by: '审核员甲' });
    expect(req.exchangeId).toMatch(/^EX\d{8}01$/);
    expect(req.persons).toBe(3);
    const ids = [1, 2, 3].map((n) => `${req.exchangeId}-0000${n}`);
    // Both files are left sealed (docs/protection.md); the tests read them opened.
    expect(req.files.map((f) => f.path)).toEqual([expect.stringMatching(/\.xlsx\.sm4$/), expect.stringMatching(/\.csv\.sm4$/)]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(opened(req.files[0]!.path));
    const sheet = wb.getWorksheet('查询名单')!;
    const values = sheet.getSheetValues().slice(1).map((r) => (r as unknown[]).slice(1));
    expect(values).toEqual([
      ['查询编号', '姓名', '身份证号', '性别', '出生日期'],
      [ids[0], '陈小明', A, '男', '2015-03-12'],
      [ids[1], '刘小红', B, '女', '2016-07-07'],
      [ids[2], '王秀英', C, '女', '1958-01-01'],
    ]);
    expect(typeof sheet.getCell('C2').value).toBe('string');
    expect(wb.getWorksheet('答复格式')!.getRow(1).values).toContain('死亡日期');
    const csv = iconv.decode(readFileSync(opened(req.files[1]!.path)), 'gb18030');
    expect(csv.split('\r\n')[3]).toBe(`${ids[2]},王秀英,${C},女,1958-01-01`);
    const audit = await queryRows<{ actor: string; target: string; rows: number; kind: string }>(
      db,
      `SELECT actor, target, rows, detail->>'kind' AS kind FROM audit_log WHERE action = 'export' ORDER BY audit_id`,
    );
    // The audit names each file as it was written, before sealing.
    expect(audit).toEqual(req.files.map((f) => ({ actor: '审核员甲', target: f.path.replace(/\.sm4$/, ''), rows: 3, kind: 'exchange-request' })));

    expect(await exchangeSummaries(db)).toMatchObject([{ exchange_id: req.exchangeId, feed: 'death', persons: 3, created_by: '审核员甲', answered_on: null, with_records: 0 }]);

    // The agency's answer: A died (full ID); the carer died (no ID, 秀瑛 for 秀英); B is not mentioned.
    writeFile(
      cfg.inbox,
      `death/答复_${req.exchangeId}_公安.csv`,
      iconv.encode(
        ['查询编号,姓名,身份证号,死亡日期,记录编号,答复日期', `${ids[0]},陈小明,${A},2026-08-15,GA-1,2026-10-08`, `${ids[2]},王秀瑛,,2026-09-10,GA-2,2026-10-08`].join('\r\n') + '\r\n',
        'gb18030',
      ),
    );
    const run = await runQuarter(db, cfg, { asOf: T, executor: embeddedExecutor(resultsRoot(cfg)) });
    expect(run.ingest.filter((r) => r.feed === 'death').map((r) => [r.status, r.rowsLoaded])).toEqual([['loaded', 2]]);

    const flags = await queryRows<{ flag: string; reason: string; child_ref: string; evidence: string }>(
      db,
      `SELECT flag, reason, child_ref, evidence::VARCHAR AS evidence FROM flags WHERE run_id = '${run.runId}' ORDER BY child_ref, flag`,
    );
    expect(flags.map((f) => [f.child_ref, f.flag, f.reason])).toEqual([
      ['R001', 'REMOVE', 'CHILD_DEAD'],
      ['R002', 'URGENT', 'CARER_EVENT'],
    ]);
    expect(flags[1]!.evidence).toContain('GA-2');

    // Both hits are linked through request_id; the carer's row by nothing else.
    const links = await queryRows<{ src_row: number; basis: string }>(
      db,
      `SELECT m.src_row, l.basis FROM person_links l JOIN mentions m ON m.uid = l.uid_l AND m.feed = l.feed_l
       WHERE l.feed_l = 'death' OR l.feed_r = 'death' ORDER BY m.src_row, l.basis`,
    );
    expect(links.filter((l) => l.src_row === 2)).toEqual([{ src_row: 2, basis: 'request_id' }]);
    expect(links.filter((l) => l.src_row === 1).map((l) => l.basis)).toContain('request_id');

    expect(await exchangeSummaries(db)).toMatchObject([{ exchange_id: req.exchangeId, answered_on: '2026-10-08', with_records: 2 }]);

    const traceB = (await explainChild(db, cfg, 'R002', T, '审核员甲')).join('\n');
    expect(traceB).toContain(`信息查询 ${req.exchangeId}（死亡（公安注销、卫健死亡证明、殡葬火化）`);
    expect(traceB).toMatch(new RegExp(`儿童本人：无记录（截至答复日期 2026-10-08，查询编号 ${ids[1]}）`));
    expect(traceB).toMatch(new RegExp(`委托照护人：有记录 1 条（查询编号 ${ids[2]}，答复日期 2026-10-08）`));
    expect(traceB).toMatch(/突发事件需紧急关爱（委托照护人突发变故）依据：.*委托照护人：死亡.* 记录 GA-2/);
    const traceA = (await explainChild(db, cfg, 'R001', T, '审核员甲')).join('\n');
    expect(traceA).toMatch(new RegExp(`儿童本人：有记录 1 条（查询编号 ${ids[0]}，答复日期 2026-10-08）`));
    expect(traceA).toContain('应退未退（儿童死亡）');
  });
});
