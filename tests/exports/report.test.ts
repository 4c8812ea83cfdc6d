// The quarterly report (issue 16 item 6) for a real run of the synthetic province, as the demo
// makes it: two quarters, a few decisions. The PDF is read back with pdfjs (pages, A4, text,
// embedded font, the charts' vector paths); the XLSX beside it holds the same tables, printable.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { CJK_FONT_PACKAGE, exportSummary, locateCjkFont, type ExportResult } from '../../exports/index.js';
import { runQuarter } from '../../jobs/index.js';
import { openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { approve, decide } from '../../review/index.js';
import { tempDir } from '../helpers.js';
import { copyStore, quarterRun } from '../setup/stores.js';

const AS_OF = '2026-09-30';
const NEXT = '2026-12-31';

let db: Db;
let report: ExportResult;
let pages: { text: string; view: number[]; paths: number }[];
let pdfBytes: Buffer;
let decided = 0;

beforeAll(async () => {
  const q = await quarterRun({ seed: 7, size: 'tiny', asOf: AS_OF });
  const dir = tempDir('bidui-report-');
  const database = copyStore(q.dir, join(dir, 'store.duckdb'));
  db = await openStore(database);
  // The next quarter too, so that the trend has two quarters; then decisions as the demo makes them.
  const cfg = loadConfig(undefined, { database, inbox: join(q.province, 'inbox'), jobs: { resultsDir: join(dir, 'results') } });
  await runQuarter(db, cfg, { asOf: NEXT, skipIngest: true });
  const pick = (flag: string) => queryRows<{ flag_id: string }>(db, `SELECT flag_id FROM flags WHERE run_id = 'Q${NEXT}' AND flag = '${flag}' ORDER BY flag_id LIMIT 1`);
  for (const { flag_id } of await pick('ADD')) {
    await decide(db, { flagId: flag_id, decision: 'confirmed', by: 'demo_reviewer' });
    decided++;
  }
  for (const { flag_id } of await pick('REMOVE')) {
    await decide(db, { flagId: flag_id, decision: 'confirmed', by: 'demo_reviewer' });
    await approve(db, { flagId: flag_id, by: 'demo_supervisor', mayApprove: true });
    decided++;
  }
  report = await exportSummary(db, { outDir: join(dir, 'exports'), by: 'demo_supervisor' });
  pdfBytes = readFileSync(report.files[1]!.path);
  const pdf = await getDocument({ data: new Uint8Array(pdfBytes), disableFontFace: true, useSystemFonts: false }).promise;
  pages = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const page = await pdf.getPage(i);
    const content = await page.getTextContent();
    const ops = await page.getOperatorList();
    pages.push({
      text: content.items.map((x) => ('str' in x ? x.str : '')).join(''),
      view: page.view,
      paths: ops.fnArray.filter((f) => f === OPS.constructPath).length,
    });
  }
}, 300_000);

describe('the quarterly report', () => {
  it('is a PDF and a printable XLSX named by run and county, both audited', async () => {
    expect(report.runId).toBe(`Q${NEXT}`);
    expect(report.files.map((f) => [basename(f.path), f.format])).toEqual([
      [`季度比对报告_Q${NEXT}_全部.xlsx`, 'xlsx'],
      [`季度比对报告_Q${NEXT}_全部.pdf`, 'pdf'],
    ]);
    const audit = await queryRows<{ target: string }>(db, `SELECT target FROM audit_log WHERE action = 'export' AND target LIKE '%季度比对报告%' ORDER BY target`);
    expect(audit.map((a) => a.target)).toEqual(report.files.map((f) => f.path).sort());
  });

  it('PDF: A4 pages with page numbers, every section, the figures of the XLSX', async () => {
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const p of pages) expect(p.view.map((v) => Math.round(v))).toEqual([0, 0, 595, 842]);
    pages.forEach((p, i) => expect(p.text).toContain(`第 ${i + 1} 页，共 ${pages.length} 页`));
    const all = pages.map((p) => p.text).join('\n');
    expect(pages[0]!.text).toContain('季度比对报告');
    for (const s of ['一、标记情况', '二、审核进度', '三、逾期标记', '四、按保障类别', '五、按区县', '六、数据质量', '七、历史趋势', '八、说明']) expect(all).toContain(s);
    for (const s of ['标记总数', '已审核', '待主管复核', '逾期标记', '多发金额（元）', '死亡（公安注销、卫健死亡证明、殡葬火化）', `Q${AS_OF}`, `Q${NEXT}`]) expect(all).toContain(s);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(report.files[0]!.path);
    const notes = new Map<string, string>();
    wb.getWorksheet('说明')!.eachRow((r, n) => n > 1 && notes.set(String(r.getCell(1).value), String(r.getCell(2).value)));
    const total = notes.get('标记总数')!;
    expect(Number(total)).toBeGreaterThan(0);
    expect(all).toContain(`标记总数${total}`); // the key figure box of page 1
    expect(decided).toBeGreaterThan(0);
    expect(notes.get('已审核')).toMatch(new RegExp(`^${decided}（已确认 ${decided}，`)); // the ADD and the approved REMOVE
  });

  it('PDF: the charts are there, as vector paths, with their captions and legends', () => {
    const all = pages.map((p) => p.text).join('\n');
    expect(all).toMatch(/图1[\s　]各类标记数/);
    expect(all).toMatch(/图2[\s　]各类标记的审核状态/);
    expect(all).toMatch(/图\d[\s　](各区县标记数|标记数最多的 \d+ 个区县)/);
    expect(all).toMatch(/图\d[\s　]各季度标记数/);
    for (const legend of ['已确认', '待主管复核', '已驳回', '待补充材料', '待审核', '疑似保障对象', '应退未退']) expect(all).toContain(legend);
    // Page 1 holds two charts: a bar per flag type in each, besides the tables' lines.
    expect(pages[0]!.paths).toBeGreaterThan(20);
  });

  it('PDF: the Chinese font is embedded (a subset), so the file opens anywhere', () => {
    const raw = pdfBytes.toString('latin1');
    expect(raw).toMatch(/\/FontFile2 \d+ 0 R/);
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+/);
    expect(raw).toContain('/ToUnicode');
  });

  it('XLSX: the same tables, each sheet printable (A4, fit to width, print area, title, header row repeated)', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(report.files[0]!.path);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['按标记类型', '按保障类别', '按区县', '逾期标记', '数据质量', '历史趋势', '说明']);
    for (const ws of wb.worksheets) {
      expect(ws.pageSetup).toMatchObject({ paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 });
      expect(ws.pageSetup.printArea).toMatch(/^A1:[A-Z]+\d+$/);
      expect(ws.headerFooter.oddHeader).toContain('季度比对报告');
    }
    expect(wb.getWorksheet('按标记类型')!.pageSetup.printTitlesRow).toBe('1:1');
    const trend: string[] = [];
    wb.getWorksheet('历史趋势')!.eachRow((r, n) => n > 1 && trend.push(String(r.getCell(1).value)));
    expect(trend).toEqual([`Q${AS_OF}`, `Q${NEXT}`]);
    const quality: string[] = [];
    wb.getWorksheet('数据质量')!.eachRow((r, n) => n > 1 && quality.push(String(r.getCell(1).value)));
    expect(quality).toContain('学籍（教育）');
  });

  it('without a CJK font on the machine: a Chinese error naming the package to install', () => {
    expect(() => locateCjkFont([], false)).toThrow(new RegExp(`找不到中文字体.*apt-get install ${CJK_FONT_PACKAGE}`));
    const before = process.env.BIDUI_PDF_FONT;
    process.env.BIDUI_PDF_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
    try {
      expect(() => locateCjkFont()).toThrow(/BIDUI_PDF_FONT.*不存在或不含中文字形/);
    } finally {
      if (before === undefined) delete process.env.BIDUI_PDF_FONT;
      else process.env.BIDUI_PDF_FONT = before;
    }
  });
});
