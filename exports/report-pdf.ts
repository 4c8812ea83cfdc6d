// The quarterly report as a PDF (pdfkit): A4 portrait, Chinese text in an embedded CJK font
// (font.ts), the figures as tables and, where a chart reads better, as vector charts drawn with
// pdfkit's own path operators (no raster images, no browser).
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import type { Cell } from './files.js';
import { locateCjkFont } from './font.js';
import { BUCKET_COLORS, BUCKET_HEADERS, BUCKETS, FLAG_COLORS, type ReportData, type ReportTable } from './report.js';

type Doc = InstanceType<typeof PDFDocument>;

const MARGIN = 48;
const INK = '#222222';
const MUTED = '#666666';
const GRID = '#cccccc';

const fmtCell = (v: Cell, numFmt?: string) =>
  v === null || v === undefined ? '' : typeof v === 'number' && numFmt ? v.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : String(v);

class Writer {
  readonly doc: Doc;
  private figure = 0;
  constructor(doc: Doc) {
    this.doc = doc;
  }
  get width() {
    return this.doc.page.width - 2 * MARGIN;
  }
  get bottom() {
    return this.doc.page.height - MARGIN;
  }
  /** Starts a new page when fewer than `h` points are left. */
  room(h: number) {
    if (this.doc.y + h > this.bottom) this.doc.addPage();
  }
  heading(text: string, intro?: string) {
    this.room(70);
    this.doc.moveDown(0.6).fontSize(14).fillColor(INK).text(text, MARGIN, this.doc.y, { width: this.width });
    if (intro) this.doc.moveDown(0.2).fontSize(9).fillColor(MUTED).text(intro, { width: this.width });
    this.doc.moveDown(0.4);
  }
  caption(title: string) {
    this.figure++;
    this.doc.fontSize(10).fillColor(INK).text(`图${this.figure}　${title}`, MARGIN, this.doc.y, { width: this.width });
    this.doc.moveDown(0.3);
  }
  legend(items: { label: string; color: string }[]) {
    let x = MARGIN;
    const y = this.doc.y;
    this.doc.fontSize(8);
    for (const it of items) {
      const w = this.doc.widthOfString(it.label) + 18;
      if (x + w > MARGIN + this.width) break;
      this.doc.rect(x, y + 1, 8, 8).fill(it.color);
      this.doc.fillColor(INK).text(it.label, x + 11, y, { lineBreak: false });
      x += w + 6;
    }
    this.doc.x = MARGIN;
    this.doc.y = y + 14;
  }

  /** Horizontal bars, one per item, with the value at the end of the bar. */
  barChart(title: string, items: { label: string; value: number; color: string; text?: string }[]) {
    const row = 16;
    this.room(30 + row * Math.min(items.length, 10));
    this.caption(title);
    const labelW = 110;
    const plotW = this.width - labelW - 70;
    const max = Math.max(1, ...items.map((i) => i.value));
    for (const it of items) {
      this.room(row);
      const y = this.doc.y;
      this.doc.fontSize(8).fillColor(INK).text(it.label, MARGIN, y + 3, { width: labelW - 6, align: 'right', lineBreak: false, ellipsis: true });
      const w = (it.value / max) * plotW;
      if (w > 0) this.doc.rect(MARGIN + labelW, y + 2, w, row - 5).fill(it.color);
      this.doc.fillColor(INK).fontSize(8).text(it.text ?? String(it.value), MARGIN + labelW + w + 4, y + 3, { lineBreak: false });
      this.doc.y = y + row;
    }
    this.doc.moveTo(MARGIN + labelW, this.doc.y - row * items.length).lineTo(MARGIN + labelW, this.doc.y).strokeColor(GRID).lineWidth(0.5).stroke();
    this.doc.x = MARGIN;
    this.doc.moveDown(0.8);
  }

  /** One horizontal bar per row, split into coloured segments (e.g. review statuses). */
  stackedChart(title: string, rows: { label: string; parts: { value: number; color: string }[] }[], legend: { label: string; color: string }[]) {
    const row = 16;
    this.room(50 + row * rows.length);
    this.caption(title);
    this.legend(legend);
    const labelW = 110;
    const plotW = this.width - labelW - 40;
    const max = Math.max(1, ...rows.map((r) => r.parts.reduce((a, p) => a + p.value, 0)));
    for (const r of rows) {
      const y = this.doc.y;
      this.doc.fontSize(8).fillColor(INK).text(r.label, MARGIN, y + 3, { width: labelW - 6, align: 'right', lineBreak: false });
      let x = MARGIN + labelW;
      for (const p of r.parts) {
        const w = (p.value / max) * plotW;
        if (w > 0) this.doc.rect(x, y + 2, w, row - 5).fill(p.color);
        x += w;
      }
      this.doc.fillColor(INK).fontSize(8).text(String(r.parts.reduce((a, p) => a + p.value, 0)), x + 4, y + 3, { lineBreak: false });
      this.doc.y = y + row;
    }
    this.doc.x = MARGIN;
    this.doc.moveDown(0.8);
  }

  /** Grouped vertical bars: one group per quarter, one bar per series. */
  groupedChart(title: string, groups: { label: string; values: number[] }[], series: { label: string; color: string }[]) {
    const h = 150;
    this.room(h + 60);
    this.caption(title);
    this.legend(series);
    const top = this.doc.y + 4;
    const left = MARGIN + 30;
    const plotW = this.width - 30;
    const max = Math.max(1, ...groups.flatMap((g) => g.values));
    const step = niceStep(max);
    const axisMax = Math.ceil(max / step) * step;
    this.doc.fontSize(7).fillColor(MUTED);
    for (let v = 0; v <= axisMax; v += step) {
      const y = top + h - (v / axisMax) * h;
      this.doc.moveTo(left, y).lineTo(left + plotW, y).strokeColor(GRID).lineWidth(0.4).stroke();
      this.doc.fillColor(MUTED).text(String(v), MARGIN, y - 4, { width: 26, align: 'right', lineBreak: false });
    }
    const groupW = plotW / Math.max(groups.length, 1);
    const barW = Math.min(14, (groupW * 0.8) / Math.max(series.length, 1));
    groups.forEach((g, gi) => {
      const x0 = left + gi * groupW + (groupW - barW * series.length) / 2;
      g.values.forEach((v, si) => {
        const bh = (v / axisMax) * h;
        if (bh > 0) this.doc.rect(x0 + si * barW, top + h - bh, barW - 1, bh).fill(series[si]!.color);
      });
      this.doc.fontSize(7).fillColor(INK).text(g.label, left + gi * groupW, top + h + 4, { width: groupW, align: 'center', lineBreak: false });
    });
    this.doc.x = MARGIN;
    this.doc.y = top + h + 20;
    this.doc.moveDown(0.5);
  }

  table(t: ReportTable) {
    const cols = t.columns.filter((c) => !(t.pdfSkip ?? []).includes(c.key));
    const total = cols.reduce((a, c) => a + c.width, 0);
    const widths = cols.map((c) => (c.width / total) * this.width);
    const size = cols.length > 9 ? 6.5 : 8;
    const cellH = (texts: string[]) => {
      this.doc.fontSize(size);
      return Math.max(...texts.map((s, i) => this.doc.heightOfString(s || ' ', { width: widths[i]! - 4 }))) + 5;
    };
    const drawRow = (texts: string[], opts: { header?: boolean; bold?: boolean }) => {
      const h = cellH(texts);
      if (this.doc.y + h > this.bottom) {
        this.doc.addPage();
        if (!opts.header) drawRow(cols.map((c) => c.header), { header: true });
      }
      const y = this.doc.y;
      if (opts.header) this.doc.rect(MARGIN, y, this.width, h).fill('#e7eef7');
      else if (opts.bold) this.doc.rect(MARGIN, y, this.width, h).fill('#f4f4f4');
      let x = MARGIN;
      texts.forEach((s, i) => {
        const numeric = !cols[i]!.text && !opts.header;
        this.doc.fontSize(size).fillColor(INK).text(s, x + 2, y + 3, { width: widths[i]! - 4, align: numeric ? 'right' : 'left' });
        x += widths[i]!;
      });
      this.doc.moveTo(MARGIN, y + h).lineTo(MARGIN + this.width, y + h).strokeColor(GRID).lineWidth(0.4).stroke();
      this.doc.x = MARGIN;
      this.doc.y = y + h;
    };
    this.room(40);
    drawRow(cols.map((c) => c.header), { header: true });
    if (!t.rows.length) drawRow(cols.map((_, i) => (i === 0 ? '（无）' : '')), {});
    for (const r of t.rows) drawRow(cols.map((c) => fmtCell(r[c.key], c.numFmt)), {});
    for (const r of t.totals ?? []) drawRow(cols.map((c) => fmtCell(r[c.key], c.numFmt)), { bold: true });
    this.doc.moveDown(0.8);
  }
}

function niceStep(max: number): number {
  const raw = max / 5;
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? p * 10;
}

/** Writes the report's PDF to `path`. */
export async function writeReportPdf(data: ReportData, path: string): Promise<void> {
  const font = locateCjkFont();
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    lang: 'zh-CN',
    info: { Title: `${data.title} ${data.subtitle}`, Author: 'bidui', Subject: data.title, Creator: 'bidui' },
  });
  const out = createWriteStream(path);
  doc.pipe(out);
  doc.registerFont('cjk', font.path, font.family);
  doc.font('cjk');
  const w = new Writer(doc);

  // Title and key figures.
  doc.fontSize(22).fillColor(INK).text(data.title, MARGIN, MARGIN + 10, { width: w.width, align: 'center' });
  doc.moveDown(0.3).fontSize(11).fillColor(MUTED).text(data.subtitle, { width: w.width, align: 'center' });
  doc.moveDown(1);
  const boxW = w.width / data.keyFigures.length;
  const y0 = doc.y;
  data.keyFigures.forEach((k, i) => {
    const x = MARGIN + i * boxW;
    doc.rect(x + 2, y0, boxW - 4, 48).fillAndStroke('#f6f8fb', '#d8e0ea');
    doc.fontSize(8).fillColor(MUTED).text(k.label, x + 2, y0 + 7, { width: boxW - 4, align: 'center' });
    doc.fontSize(k.value.length > 9 ? 11 : 15).fillColor(k.alert ? '#c0392b' : INK).text(k.value, x + 2, y0 + 22, { width: boxW - 4, align: 'center' });
  });
  doc.x = MARGIN;
  doc.y = y0 + 60;
  if (data.missingFeeds.length) {
    doc.fontSize(9).fillColor('#c0392b').text(`本季度未收到应报送的数据：${data.missingFeeds.join('、')}。依赖其记录缺失的标记（如“未入学”）本期未判定。`, { width: w.width });
    doc.moveDown(0.5);
  }

  const t = data.tables;
  w.heading('一、标记情况', t.byType.intro);
  w.barChart('各类标记数', data.byType.map((b) => ({ label: b.label, value: b.total, color: b.color })));
  w.table(t.byType);

  w.heading('二、审核进度', '已作出的审核决定与待处理的标记。退出标记经审核员确认后须由主管复核（双人复核）。');
  w.stackedChart(
    '各类标记的审核状态',
    data.byType.map((b) => ({ label: b.label, parts: BUCKETS.map((k) => ({ value: b.buckets[k], color: BUCKET_COLORS[k] })) })),
    BUCKETS.map((k) => ({ label: BUCKET_HEADERS[k], color: BUCKET_COLORS[k] })),
  );
  w.heading(`三、${t.overdue.name}`, t.overdue.intro);
  w.table(t.overdue);

  w.heading(`四、${t.byCategory.name}`, t.byCategory.intro);
  w.table(t.byCategory);

  w.heading(`五、${t.byCounty.name}`, t.byCounty.intro);
  // A chart of every county of a province would run over pages: the 15 with the most flags (the table has them all).
  const counties = [...data.byCounty].sort((a, b) => b.total - a.total).slice(0, 15);
  w.barChart(data.byCounty.length > counties.length ? `标记数最多的 ${counties.length} 个区县（共 ${data.byCounty.length} 个，全部见下表）` : '各区县标记数', counties.map((c) => ({ label: c.label, value: c.total, color: '#2f6fb0' })));
  if (data.byCounty.some((c) => c.overpaid > 0)) {
    w.barChart(
      '各区县应退未退多发金额（元）',
      [...data.byCounty].filter((c) => c.overpaid > 0).sort((a, b) => b.overpaid - a.overpaid).slice(0, 15).map((c) => ({ label: c.label, value: c.overpaid, color: FLAG_COLORS.REMOVE, text: c.overpaid.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) })),
    );
  }
  w.table(t.byCounty);

  w.heading(`六、${t.quality.name}`, t.quality.intro);
  w.table(t.quality);

  w.heading(`七、${t.trend.name}`, t.trend.intro);
  w.groupedChart(
    '各季度标记数',
    data.trend.map((q) => ({ label: q.asOf, values: data.byType.map((b) => q.byFlag[b.flag] ?? 0) })),
    data.byType.map((b) => ({ label: b.label, color: b.color })),
  );
  w.table(t.trend);

  w.heading('八、说明');
  w.table({ name: '说明', columns: [{ key: 'k', header: '项目', width: 20, text: true }, { key: 'v', header: '内容', width: 60, text: true }], rows: data.notes.map(([k, v]) => ({ k, v })) });

  // Page numbers, drawn in the bottom margin of every page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.fontSize(8).fillColor(MUTED).text(`${data.title}　第 ${i + 1} 页，共 ${range.count} 页`, MARGIN, doc.page.height - MARGIN + 16, { width: w.width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  await finished(out);
}
