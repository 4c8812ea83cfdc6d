// Server-rendered SVG charts (no chart library): horizontal bars, a waterfall of match weights,
// and a line chart of counts across quarters. Every label is escaped.

export function esc(s: unknown): string {
  return String(s ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const PALETTE = ['#2f6fb0', '#d9822b', '#3a9a5b', '#c0392b', '#7d5ba6', '#8c8c8c', '#1f9bb4', '#b5a22c'];

/**
 * One colour per flag type in every chart (and the tags of the pages, assets.ts): a reader who
 * learns that red is 应退未退 on one chart reads it so on the next.
 */
export const FLAG_COLORS: Readonly<Record<string, string>> = {
  ADD: '#2e8b57',
  REMOVE: '#c0392b',
  RECLASSIFY: '#7d5ba6',
  URGENT: '#d9822b',
  EDUCATION: '#2f6fb0',
  WATCH: '#8c8c8c',
};
/** The colour of a total across flag types (never one of FLAG_COLORS). */
export const TOTAL_COLOR = '#1f2933';
/** Bars that are not flag types (categories, statuses): one neutral colour, so no bar reads as a flag type. */
export const NEUTRAL_COLOR = '#5b7083';

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** Horizontal bars, one per item, value at the end of the bar. */
export function barChart(items: { label: string; value: number; color?: string }[], opts: { title: string; width?: number } = { title: '' }): string {
  const width = opts.width ?? 520;
  const labelW = 170;
  const row = 26;
  const height = Math.max(1, items.length) * row + 34;
  const max = Math.max(1, ...items.map((i) => i.value));
  const barMax = width - labelW - 60;
  const bars = items
    .map((it, i) => {
      const y = 28 + i * row;
      const w = Math.max(it.value > 0 ? 2 : 0, (it.value / max) * barMax);
      return `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" class="lbl">${esc(it.label)}</text>
<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 8}" fill="${it.color ?? PALETTE[i % PALETTE.length]}" rx="2"><title>${esc(it.label)}: ${it.value}</title></rect>
<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}" class="val">${it.value}</text>`;
    })
    .join('\n');
  const empty = items.length ? '' : `<text x="${width / 2}" y="44" text-anchor="middle" class="lbl">暂无数据</text>`;
  return `<svg class="chart" role="img" aria-label="${esc(opts.title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<text x="0" y="16" class="ttl">${esc(opts.title)}</text>${bars}${empty}</svg>`;
}

/**
 * Waterfall of a match: the prior log-odds, then each comparison's weight (green up, red down),
 * then the total match weight. Weights in bits (log2 of the Bayes factor).
 */
export function waterfallChart(prior: number, steps: { label: string; level: string; weight: number }[], total: number, title = '各项比对的分值'): string {
  type Kind = 'prior' | 'up' | 'down' | 'total';
  const cols: { label: string; sub: string; from: number; to: number; kind: Kind }[] = [{ label: '起始分', sub: '比对之前', from: 0, to: prior, kind: 'prior' }];
  let acc = prior;
  for (const s of steps) {
    cols.push({ label: s.label, sub: s.level, from: acc, to: acc + s.weight, kind: s.weight >= 0 ? 'up' : 'down' });
    acc += s.weight;
  }
  cols.push({ label: '合计', sub: '', from: 0, to: total, kind: 'total' });
  const width = Math.max(420, 100 * cols.length);
  const height = 230;
  const top = 30;
  const bottom = 70;
  const values = cols.flatMap((c) => [c.from, c.to]).concat(0);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const y = (v: number) => top + ((hi - v) / span) * (height - top - bottom);
  const colW = width / cols.length;
  const color: Record<Kind, string> = { prior: '#8c8c8c', up: '#3a9a5b', down: '#c0392b', total: '#2f6fb0' };
  const body = cols
    .map((c, i) => {
      const x = i * colW + colW * 0.18;
      const w = colW * 0.64;
      const y1 = y(Math.max(c.from, c.to));
      const h = Math.max(1, Math.abs(y(c.from) - y(c.to)));
      const delta = c.kind === 'prior' || c.kind === 'total' ? c.to : c.to - c.from;
      const sign = c.kind === 'up' || (c.kind !== 'down' && delta > 0) ? '+' : '';
      return `<rect x="${x.toFixed(1)}" y="${y1.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${color[c.kind]}"><title>${esc(c.label)} ${esc(c.sub)}: ${sign}${fmt(delta)}</title></rect>
<text x="${(x + w / 2).toFixed(1)}" y="${(y1 - 4).toFixed(1)}" text-anchor="middle" class="val">${sign}${fmt(Math.round(delta * 100) / 100)}</text>
<text x="${(x + w / 2).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle" class="lbl">${esc(c.label)}</text>
<text x="${(x + w / 2).toFixed(1)}" y="${height - bottom + 34}" text-anchor="middle" class="sub">${esc(c.sub)}</text>`;
    })
    .join('\n');
  const zero = `<line x1="0" x2="${width}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#999" stroke-dasharray="3 3"/>`;
  return `<svg class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<text x="0" y="16" class="ttl">${esc(title)}</text>${zero}${body}</svg>`;
}

/** Lines of counts per series across quarters (a series' colour, else the palette's). */
export function lineChart(xLabels: string[], series: { name: string; values: number[]; color?: string }[], title: string): string {
  const width = 640;
  const height = 260;
  const left = 40;
  const right = 150;
  const top = 30;
  const bottom = 40;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const n = Math.max(1, xLabels.length - 1);
  const x = (i: number) => left + (xLabels.length === 1 ? (width - left - right) / 2 : (i / n) * (width - left - right));
  const y = (v: number) => top + (1 - v / max) * (height - top - bottom);
  const grid = [0, 0.5, 1]
    .map((t) => {
      const v = Math.round(max * t);
      return `<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="sub">${v}</text>`;
    })
    .join('');
  const xs = xLabels.map((l, i) => `<text x="${x(i).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle" class="sub">${esc(l)}</text>`).join('');
  const lines = series
    .map((s, si) => {
      const c = s.color ?? PALETTE[si % PALETTE.length];
      const pts = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const dots = s.values.map((v, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${c}"><title>${esc(s.name)} ${esc(xLabels[i])}: ${v}</title></circle>`).join('');
      const legend = `<rect x="${width - right + 14}" y="${top + si * 20}" width="12" height="12" fill="${c}"/><text x="${width - right + 32}" y="${top + si * 20 + 11}" class="lbl">${esc(s.name)}</text>`;
      return `<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="2"/>${dots}${legend}`;
    })
    .join('\n');
  return `<svg class="chart" role="img" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<text x="0" y="16" class="ttl">${esc(title)}</text>${grid}${xs}${lines}</svg>`;
}
