/**
 * `bidui synth`: a deterministic synthetic province — an inbox of feeds in mixed formats with
 * realistic noise, plus the ground truth (true identities, every mention, the flags a correct run
 * must raise as of asOf). Same seed → byte-identical output.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DATE_STYLES, civilFromDays, daysFromCivil, lastAug31Before, parseIsoDay, type DateStyle } from './dates.js';
import { eventScenarios } from './events.js';
import {
  ALL_FEED_NAMES, Background, FEED_NAMES, FileWriter, NEW_FEED_NAMES, RowFactory, assistanceRow, courtRow, deathRow, disabilityRow, enrollmentRow, hivRow,
  illnessRow, incarcerationRow, lostContactRow, personLine,
  type CoreFeedName, type FeedName, type FileSpec, type FileStat, type NewFeedName, type Profile, type RowSpec,
} from './feeds.js';
import { IdAllocator } from './ids.js';
import type { RegRow } from './model.js';
import { Noiser, noiseSchema } from './noise.js';
import { loadCounties } from './regions.js';
import { Rng } from './rng.js';
import { Rules, type TruthFlag } from './rules.js';
import { WorldBuilder } from './world.js';
import { FORMAT_EXT, TextOut, csvCell, csvToParquet, duckdb, type Format } from './writers.js';

export { findReferenceFile } from './regions.js';

export type ProgressFn = (stage: string, done: number, total: number) => void;

export const synthOptionsSchema = z.object({
  seed: z.number().int(),
  size: z.enum(['tiny', 'small', 'medium', 'province']).default('small'),
  out: z.string().min(1),
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).default('2026-09-30'),
  province: z.string().regex(/^\d{2}$/).default('44'),
  noise: noiseSchema.prefault({}),
  /**
   * One county that gets `share` of the households on top of its usual weight (the demo: every flag
   * type in its reviewer's queue). Absent: the usual world, byte for byte.
   */
  focus: z.object({ county: z.string().regex(/^\d{6}$/), share: z.number().gt(0).lt(1) }).optional(),
  onProgress: z.custom<ProgressFn>((v) => typeof v === 'function').optional(),
});
export type SynthOptions = z.output<typeof synthOptionsSchema>;
export type SynthOptionsInput = z.input<typeof synthOptionsSchema>;
export { noiseSchema, type NoiseRates, NOISE_TYPES } from './noise.js';
export type { TruthFlag } from './rules.js';

export type SynthSize = SynthOptions['size'];

interface SizeSpec {
  children: number;
  bg: Record<Exclude<CoreFeedName, 'registry'>, number>;
  /** Background rows of the issue-15 feeds. */
  bgNew: Record<NewFeedName, number>;
  mins: boolean;
}
const bgNew = (n: number): Record<NewFeedName, number> => ({ court: n, lost_contact: n, illness: 2 * n, hiv: n, social_assistance: 4 * n });
export const SIZES: Record<SynthSize, SizeSpec> = {
  tiny: { children: 60, bg: { death: 60, incarceration: 40, disability: 40, enrollment: 60 }, bgNew: bgNew(10), mins: false },
  small: { children: 400, bg: { death: 1500, incarceration: 700, disability: 700, enrollment: 1500 }, bgNew: bgNew(150), mins: true },
  medium: { children: 20_000, bg: { death: 90_000, incarceration: 80_000, disability: 80_000, enrollment: 200_000 }, bgNew: bgNew(10_000), mins: true },
  province: { children: 200_000, bg: { death: 1_250_000, incarceration: 1_250_000, disability: 1_250_000, enrollment: 5_850_000 }, bgNew: bgNew(120_000), mins: true },
};

export interface SynthSummary {
  seed: number;
  size: SynthSize;
  asOf: string;
  province: string;
  counties: number;
  persons: number;
  registryRows: number;
  feeds: Record<FeedName, { rows: number; files: FileStat[] }>;
  formats: Record<string, number>;
  mentions: number;
  mentionsFile: string;
  noise: Record<string, number>;
  flags: Record<string, number>;
  scenarios: Record<string, number>;
  out: string;
  elapsedMs: number;
}

const FEED_FORMATS: Record<Exclude<FeedName, 'registry'>, Format[]> = {
  court: ['csv-gb18030', 'xlsx', 'jsonl'],
  lost_contact: ['csv-utf8-bom', 'parquet', 'xlsx'],
  illness: ['xlsx', 'csv-utf8', 'parquet'],
  hiv: ['csv-gb18030', 'jsonl', 'csv-utf8'],
  social_assistance: ['xlsx', 'csv-utf8-bom', 'parquet', 'csv-gb18030'],
  death: ['csv-gb18030', 'csv-utf8', 'jsonl', 'parquet', 'xlsx'],
  incarceration: ['xlsx', 'csv-utf8-bom', 'parquet', 'jsonl', 'csv-gb18030'],
  disability: ['csv-utf8-bom', 'xlsx', 'jsonl', 'parquet', 'csv-gb18030'],
  enrollment: ['csv-utf8', 'csv-gb18030', 'parquet', 'xlsx', 'csv-utf8-bom', 'jsonl'],
};
const TINY_NEW_FORMATS: Record<NewFeedName, Format> = { court: 'csv-gb18030', lost_contact: 'parquet', illness: 'xlsx', hiv: 'jsonl', social_assistance: 'csv-utf8-bom' };
const PROVINCE_FORMATS: Format[] = ['parquet', 'csv-utf8', 'csv-gb18030', 'csv-utf8-bom'];
const REGISTRY_FORMATS: Format[] = ['xlsx', 'csv-utf8-bom', 'csv-gb18030', 'jsonl', 'parquet', 'csv-utf8', 'xlsx'];
const XLSX_MAX_ROWS = 20_000;
const BIG_FILE_ROWS = 1_000_000;

const FLAG_COLUMNS: (keyof TruthFlag)[] = [
  'as_of', 'flag', 'reason', 'category', 'previous_category', 'child_person_id', 'child_id_number', 'child_ref',
  'county_code', 'effective_from', 'overpaid_months', 'event',
];

export async function generateProvince(input: SynthOptionsInput): Promise<SynthSummary> {
  const started = performance.now();
  const opts = synthOptionsSchema.parse(input);
  const progress = opts.onProgress ?? (() => {});
  const T = parseIsoDay(opts.asOf);
  const size = SIZES[opts.size];
  const counties = loadCounties(opts.province);
  const rng = new Rng(opts.seed);
  const inbox = join(opts.out, 'inbox');
  const truth = join(opts.out, 'truth');
  rmSync(inbox, { recursive: true, force: true });
  rmSync(truth, { recursive: true, force: true });
  for (const f of ALL_FEED_NAMES) mkdirSync(join(inbox, f), { recursive: true });
  mkdirSync(truth, { recursive: true });

  // ---- the world
  progress('world', 0, size.children);
  const ids = new IdAllocator(counties.map((c) => c.code), daysFromCivil(1920, 1, 1), T);
  if (opts.focus && !counties.some((c) => c.code === opts.focus!.county)) throw new Error(`focus county ${opts.focus.county} is not an in-use county of province ${opts.province}`);
  const wb = new WorldBuilder(rng.fork('world'), counties, ids, T, undefined, opts.focus);
  const w = wb.build(size.children, size.mins, (d, t) => progress('world', d, t));
  // The issue-15 events come after, on their own stream and IDs: the core feeds' rows are those of the world so far.
  const base = { reg: w.reg.length, deaths: w.deathRecords.length, enrolls: w.enrolls.length };
  const eb = new WorldBuilder(rng.fork('events'), counties, new IdAllocator(counties.map((c) => c.code), daysFromCivil(1920, 1, 1), T, true), T, wb);
  eb.build(size.children, size.mins, undefined, eventScenarios(eb));
  progress('world', size.children, size.children);

  const personsOut = new TextOut(join(truth, 'persons.csv'));
  personsOut.write('person_id,id_number,name,gender,birth_date,region_code\n');
  for (const p of w.persons) personsOut.write(personLine(p));

  // ---- ground-truth flags
  const flags = new Rules(w).compute();
  const flagsOut = new TextOut(join(truth, 'flags.csv'));
  flagsOut.write(FLAG_COLUMNS.join(',') + '\n');
  for (const f of flags) flagsOut.write(FLAG_COLUMNS.map((k) => csvCell(f[k])).join(',') + '\n');
  flagsOut.close();

  // ---- core rows per feed
  const rf = new RowFactory(w, counties);
  const feedRng = rng.fork('feeds');
  const deathRows = (list: typeof w.deathRecords) => list.map((d) => deathRow(w.person(d.pid), d.date, d.source, d.recordId));
  const enrollRows = (list: typeof w.enrolls) =>
    list.map((e) => {
      const ch = w.person(e.pid);
      const g = (x: { pid: number; relation: string } | null): [typeof ch, string] | null => (x ? [w.person(x.pid), x.relation] : null);
      return enrollmentRow(ch, rf.school(ch.county, e.level, e.school), e.level, e.grade, e.status, T, g(e.g1), g(e.g2));
    });
  const core: Record<Exclude<FeedName, 'registry'>, RowSpec[]> = {
    death: deathRows(w.deathRecords.slice(0, base.deaths)),
    incarceration: w.restrictions.map((r) => incarcerationRow(w.person(r.pid), r.measure, r.start, r.end, r.release, r.institution, r.recordId)),
    disability: w.certs.map((c) => disabilityRow(w.person(c.pid), c.type, c.level, c.issue, c.status, c.statusDate)),
    enrollment: enrollRows(w.enrolls.slice(0, base.enrolls)),
    court: w.judgments.map((j) => courtRow(w.person(j.pid), j.type, j.date, j.effective, j.court, j.caseNo)),
    lost_contact: w.lostContacts.map((l) => lostContactRow(w.person(l.pid), l.report, l.found, l.reporter, l.recordId)),
    illness: w.illnesses.map((i) => illnessRow(w.person(i.pid), i.code, i.name, i.diagnosis, i.hospital, i.recordId)),
    hiv: w.hivRecords.map((h) => hivRow(w.person(h.pid), h.confirm, h.region, h.recordId)),
    social_assistance: w.assistance.map((a) => assistanceRow(w.person(a.pid), a.household, a.relation, a.type, a.start, a.end, a.region, a.amount)),
  };
  for (const k of Object.keys(core) as (keyof typeof core)[]) feedRng.fork('shuffle-' + k).shuffle(core[k]);
  // The events' rows of the core feeds: supplement files, written after the core feeds' own.
  const supplements: { feed: CoreFeedName; format: Format; rows: RowSpec[] }[] = [
    { feed: 'registry', format: 'csv-utf8-bom', rows: w.reg.slice(base.reg).map((r) => rf.registry(r)) },
    { feed: 'death', format: 'csv-gb18030', rows: deathRows(w.deathRecords.slice(base.deaths)) },
    { feed: 'enrollment', format: 'jsonl', rows: enrollRows(w.enrolls.slice(base.enrolls)) },
  ];

  // ---- file plans
  const tag = (() => {
    const [y, m, d] = civilFromDays(T);
    return `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`;
  })();
  let fileCounter = 0;
  const profile = (feed: FeedName, format: Format): Profile => {
    const i = fileCounter++;
    return {
      headerVariant: i,
      dateStyle: i % 6 === 5 ? 'mixed' : (DATE_STYLES[i % 5] as DateStyle),
      xlsxDateCells: format === 'xlsx' && i % 2 === 0,
      codes: (['label', 'digit', 'mixed'] as const)[i % 3] as Profile['codes'],
      serial: i % 4 === 1,
      genderBlank: feed === 'registry' ? 0.04 : 0,
      snapshot: T - 7 - ((i * 5) % 20),
    };
  };
  const regGroups = new Map<string, RegRow[]>();
  const regRng = feedRng.fork('registry');
  const regRows = regRng.shuffle(w.reg.slice(0, base.reg));
  const cities = [...new Set(counties.map((c) => c.city))];
  const maxRegFiles = opts.size === 'tiny' || opts.size === 'small' ? 5 : cities.length;
  for (const r of regRows) {
    const ci = cities.indexOf(r.region.slice(0, 4));
    const key = cities[ci % maxRegFiles] as string;
    const g = regGroups.get(key);
    if (g) g.push(r);
    else regGroups.set(key, [r]);
  }
  const plans: FileSpec[] = [];
  const regFileGroup = new Map<string, string>();
  [...regGroups.keys()].sort().forEach((city, i) => {
    const rows = (regGroups.get(city) as RegRow[]).length;
    let format = REGISTRY_FORMATS[i % REGISTRY_FORMATS.length] as Format;
    if (format === 'xlsx' && rows > XLSX_MAX_ROWS) format = 'csv-utf8-bom';
    const name = maxRegFiles < cities.length ? `part${i + 1}` : city;
    const rel = `registry/registry_${name}.${FORMAT_EXT[format]}`;
    regFileGroup.set(rel, city);
    plans.push({ feed: 'registry', rel, format, rows, profile: profile('registry', format) });
  });
  for (const feed of ['death', 'incarceration', 'disability', 'enrollment', ...NEW_FEED_NAMES] as const) {
    const total = core[feed].length + (feed in size.bg ? size.bg[feed as keyof SizeSpec['bg']] : size.bgNew[feed as NewFeedName]);
    let formats: Format[];
    let sizes: number[];
    if (opts.size === 'province') {
      const n = Math.ceil(total / BIG_FILE_ROWS);
      const off = ALL_FEED_NAMES.indexOf(feed);
      formats = Array.from({ length: n }, (_, i) => PROVINCE_FORMATS[(i + off) % PROVINCE_FORMATS.length] as Format);
      sizes = split(total, n);
    } else if (opts.size === 'tiny' && (NEW_FEED_NAMES as readonly string[]).includes(feed)) {
      // A tiny province (the quick tests') writes each new feed as one file, the five in five formats.
      formats = [TINY_NEW_FORMATS[feed as NewFeedName]];
      sizes = [total];
    } else {
      formats = FEED_FORMATS[feed];
      const even = Math.ceil(total / formats.length);
      const capX = Math.min(even, XLSX_MAX_ROWS);
      const nx = formats.filter((f) => f === 'xlsx').length;
      const rest = split(total - capX * nx, formats.length - nx);
      let j = 0;
      sizes = formats.map((f) => (f === 'xlsx' ? capX : (rest[j++] as number)));
    }
    formats.forEach((format, i) => {
      plans.push({ feed, rel: `${feed}/${feed}_${tag}_${String(i + 1).padStart(2, '0')}.${FORMAT_EXT[format]}`, format, rows: sizes[i] as number, profile: profile(feed, format) });
    });
  }

  // ---- write the inbox
  const province = opts.size === 'province';
  const mentionsPath = join(truth, province ? 'mentions.tmp.csv' : 'mentions.csv');
  const mentionsOut = new TextOut(mentionsPath);
  mentionsOut.write('feed,file,row,role,person_id,noise\n');
  const noiser = new Noiser(opts.noise, rng.fork('noise'));
  const fmtRng = rng.fork('format');
  const bg = new Background(rng.fork('background'), counties, ids, T, lastAug31Before(T), w.persons.length + 1, personsOut, rf);
  const pickRng = rng.fork('interleave');
  const stats: FileStat[] = [];
  let mentions = 0;
  const writeRows = async (spec: FileSpec, rows: RowSpec[]) => {
    const writer = new FileWriter(spec, join(inbox, spec.rel), noiser, fmtRng, mentionsOut);
    for (const rs of rows) {
      if (spec.feed === 'enrollment') rs.vals[9] = spec.profile.snapshot;
      mentions += rs.mentions.length;
      writer.write(rs);
    }
    stats.push(await writer.close());
  };
  for (const feed of ALL_FEED_NAMES) {
    if (feed === NEW_FEED_NAMES[0]) {
      for (const sup of supplements.filter((x) => x.rows.length)) {
        const rel = sup.feed === 'registry' ? `registry/registry_supplement.${FORMAT_EXT[sup.format]}` : `${sup.feed}/${sup.feed}_${tag}_supplement.${FORMAT_EXT[sup.format]}`;
        await writeRows({ feed: sup.feed, rel, format: sup.format, rows: sup.rows.length, profile: profile(sup.feed, sup.format) }, sup.rows);
      }
    }
    const filePlans = plans.filter((p) => p.feed === feed);
    const total = filePlans.reduce((s, p) => s + p.rows, 0);
    let done = 0;
    progress(feed, 0, total);
    let coreLeft = feed === 'registry' ? 0 : core[feed].length;
    let left = total;
    for (const spec of filePlans) {
      const writer = new FileWriter(spec, join(inbox, spec.rel), noiser, fmtRng, mentionsOut);
      if (feed === 'registry') {
        for (const r of regGroups.get(regFileGroup.get(spec.rel) as string) as RegRow[]) {
          const rs = rf.registry(r);
          mentions += rs.mentions.length;
          writer.write(rs);
        }
      } else {
        const list = core[feed];
        for (let i = 0; i < spec.rows; i++) {
          let rs: RowSpec;
          if (coreLeft > 0 && pickRng.next() * left < coreLeft) rs = list[list.length - coreLeft--] as RowSpec;
          else if (feed === 'death') rs = bg.death();
          else if (feed === 'incarceration') rs = bg.incarceration();
          else if (feed === 'disability') rs = bg.disability();
          else if (feed === 'enrollment') rs = bg.enrollment(spec.profile.snapshot);
          else if (feed === 'court') rs = bg.court();
          else if (feed === 'lost_contact') rs = bg.lostContact();
          else if (feed === 'illness') rs = bg.illness();
          else if (feed === 'hiv') rs = bg.hiv();
          else rs = bg.assistance();
          if (feed === 'enrollment') rs.vals[9] = spec.profile.snapshot;
          left--;
          mentions += rs.mentions.length;
          writer.write(rs);
          if (++done % 200_000 === 0) progress(feed, done, total);
        }
      }
      stats.push(await writer.close());
    }
    progress(feed, total, total);
  }
  mentionsOut.close();
  personsOut.close();
  if (province) {
    progress('mentions', 0, 1);
    const db = await duckdb();
    const q = (s: string) => "'" + s.replaceAll("'", "''") + "'";
    await db.run(
      `COPY (SELECT feed, file, CAST("row" AS INTEGER) AS "row", role, person_id, coalesce(noise, '') AS noise FROM read_csv(${q(mentionsPath)}, header=true, all_varchar=true, delim=',', quote='"', escape='"')) TO ${q(join(truth, 'mentions.parquet'))} (FORMAT parquet)`,
    );
    rmSync(mentionsPath);
    progress('mentions', 1, 1);
  }
  void csvToParquet;

  // ---- summary
  const feeds = Object.fromEntries(
    ALL_FEED_NAMES.map((f) => {
      const files = stats.filter((s) => s.feed === f);
      return [f, { rows: files.reduce((s, x) => s + x.rows, 0), files }];
    }),
  ) as SynthSummary['feeds'];
  const formats: Record<string, number> = {};
  for (const s of stats) formats[s.format] = (formats[s.format] ?? 0) + 1;
  const flagCounts: Record<string, number> = {};
  for (const f of flags) {
    flagCounts[f.flag] = (flagCounts[f.flag] ?? 0) + 1;
    flagCounts[`${f.flag}/${f.reason}`] = (flagCounts[`${f.flag}/${f.reason}`] ?? 0) + 1;
  }
  const summary: Omit<SynthSummary, 'out' | 'elapsedMs'> = {
    seed: opts.seed,
    size: opts.size,
    asOf: opts.asOf,
    province: opts.province,
    counties: counties.length,
    persons: bg.pidCount,
    registryRows: w.reg.length,
    feeds,
    formats,
    mentions,
    mentionsFile: province ? 'mentions.parquet' : 'mentions.csv',
    noise: { ...noiser.counts },
    flags: sortKeys(flagCounts),
    scenarios: sortKeys(Object.fromEntries(w.scenarioCounts)),
  };
  writeFileSync(join(truth, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return { ...summary, out: opts.out, elapsedMs: Math.round(performance.now() - started) };
}

function split(total: number, n: number): number[] {
  const base = Math.floor(total / n);
  return Array.from({ length: n }, (_, i) => base + (i < total - base * n ? 1 : 0));
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
