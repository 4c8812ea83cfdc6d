// Issue 15 items 2–4 end to end: a quarter over an inbox with the five optional feeds links their
// subjects (and a social-assistance child to its parents through household_id), raises the new
// reasons, and an HIV flag raised from the hiv feed exists only for a role with the grant: web API
// (queue, search, flag page, dashboard counts, decide), exports and `rules explain`.
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../config/index.js';
import { runExport } from '../../exports/index.js';
import { runQuarter } from '../../jobs/index.js';
import { isRestrictedFlag, visibleEvidenceSql } from '../../flags/index.js';
import { openStore, queryAll, queryRows, sql, type Db } from '../../pipeline/store/index.js';
import { z } from 'zod';
import { explainChild } from '../../rules/index.js';
import { addUser, createApp } from '../../web/index.js';
import { makeId, opened, tempDir, writeFile } from '../helpers.js';

const AS_OF = '2026-09-30';
const RUN = `Q${AS_OF}`;
const COUNTY = '440305';
const CITY = '440300';
const PASSWORD = 'test-password-1';
const id = (birth: string, seq: string) => makeId(COUNTY, birth, seq);

// Registered children and their parents.
const R1 = { child: id('20140101', '011'), father: id('19800101', '013'), mother: id('19820101', '024') }; // ORPHAN, father's 宣告失踪 revoked
const R2 = { child: id('20130202', '031') }; // 家庭困境, 低保 closed 2026-06-30
const R3 = { child: id('20120303', '041') }; // 家庭困境, 低保 open
const R4 = { child: id('20150404', '051'), father: id('19810404', '053'), mother: id('19830404', '064') }; // DE_FACTO, father 失联 undated, mother died
// Children known from the other feeds.
const E1 = { child: id('20160505', '071'), father: id('19850505', '073'), mother: id('19860505', '084') }; // school: father lost since 2025, mother dead
const S9 = { child: id('20170606', '091'), father: id('19870606', '093'), mother: id('19880606', '104') }; // household: father declared missing, mother dead
const S8 = { child: id('20180707', '111'), head: id('19890707', '113') }; // 低保 household
const I1 = id('20190808', '121'); // listed illness
const I2 = id('20190909', '131'); // unlisted illness
const V1 = id('20100110', '141'); // HIV
const V2 = id('20110211', '151'); // a registered orphan, not at school, with an HIV record

function inbox(dir: string): string {
  const root = join(dir, 'inbox');
  const csv = (rel: string, rows: string[][]) => writeFile(root, rel, rows.map((r) => r.join(',')).join('\n') + '\n');
  csv('registry/2026q3.csv', [
    ['儿童编号', '姓名', '身份证号', '户籍地区划代码', '保障类别', '保障状态', '纳入保障日期', '最后发放月份', '父亲姓名', '父亲身份证号', '父亲情况', '父亲情况起始日期', '母亲姓名', '母亲身份证号', '母亲情况', '母亲情况起始日期'],
    ['R1', '周一', R1.child, COUNTY, '社会散居孤儿', '在保', '2023-07-01', '2026-09', '周父', R1.father, '失踪', '2023-06-01', '吴母', R1.mother, '死亡', '2020-01-01'],
    ['R2', '郑二', R2.child, COUNTY, '家庭困境儿童', '在保', '2024-01-01', '2026-09', '', '', '', '', '', '', '', ''],
    ['R3', '王三', R3.child, COUNTY, '家庭困境儿童', '在保', '2024-01-01', '2026-09', '', '', '', '', '', '', '', ''],
    ['R4', '冯四', R4.child, COUNTY, '事实无人抚养儿童', '在保', '2024-01-01', '2026-09', '冯父', R4.father, '失联', '', '陈母', R4.mother, '正常', ''],
    ['R5', '秦十一', V2, COUNTY, '社会散居孤儿', '在保', '2022-01-01', '2026-09', '', '', '死亡', '2019-01-01', '', '', '死亡', '2019-01-01'],
  ]);
  csv('enrollment/2026.csv', [
    ['姓名', '身份证号', '学校名称', '学段', '学籍状态', '数据日期', '监护人一姓名', '监护人一身份证号', '监护人一关系', '监护人二姓名', '监护人二身份证号', '监护人二关系'],
    ['褚五', E1.child, '南山一小', '小学', '在读', '2026-09-01', '褚父', E1.father, '父亲', '卫母', E1.mother, '母亲'],
    ...[R1, R2, R3, R4].map((r, i) => [`在册${i}`, r.child, '南山一小', '小学', '在读', '2026-09-01', '', '', '', '', '', '']),
  ]);
  csv('death/2026q3.csv', [
    ['姓名', '身份证号', '死亡日期', '记录编号'],
    ['陈母', R4.mother, '2026-09-01', 'D-1'],
    ['卫母', E1.mother, '2024-01-01', 'D-2'],
    ['蒋母', S9.mother, '2023-05-05', 'D-3'],
  ]);
  csv('court/2026q3.csv', [
    ['姓名', '身份证号', '判决类型', '判决日期', '法院', '案号'],
    ['周父', R1.father, '宣告失踪', '2023-06-01', '南山区人民法院', 'A-1'],
    ['周父', R1.father, '撤销失踪宣告', '2026-08-15', '南山区人民法院', 'A-2'],
    ['蒋父', S9.father, '宣告失踪', '2025-01-10', '南山区人民法院', 'A-3'],
  ]);
  csv('lost_contact/2026q3.csv', [
    ['姓名', '身份证号', '报告日期', '找回日期', '记录编号'],
    ['褚父', E1.father, '2025-01-01', '', 'L-1'],
  ]);
  csv('illness/2026q3.csv', [
    ['姓名', '身份证号', '疾病编码', '疾病名称', '确诊日期', '记录编号'],
    ['沈六', I1, 'C91.0', '急性淋巴细胞白血病', '2026-03-01', 'I-1'],
    ['韩七', I2, 'J45.9', '哮喘', '2026-03-01', 'I-2'],
  ]);
  csv('hiv/2026q3.csv', [
    ['姓名', '身份证号', '确诊日期', '户籍地区划代码', '记录编号'],
    ['杨八', V1, '2025-11-01', COUNTY, 'H-1'],
    ['秦十一', V2, '2024-03-01', COUNTY, 'H-2'],
  ]);
  csv('social_assistance/2026q3.csv', [
    ['家庭编号', '姓名', '身份证号', '与户主关系', '救助类型', '纳入日期', '退出日期', '户籍地区划代码'],
    ['H2', '郑二', R2.child, '户主', '低保', '2023-01-01', '2026-06-30', COUNTY],
    ['H3', '王三', R3.child, '子', '低保', '2023-01-01', '', COUNTY],
    ['H9', '蒋父', S9.father, '户主', '低保边缘', '2022-01-01', '', COUNTY],
    ['H9', '蒋母', S9.mother, '配偶', '低保边缘', '2022-01-01', '', COUNTY],
    ['H9', '蒋九', S9.child, '子', '低保边缘', '2022-01-01', '', COUNTY],
    ['H8', '朱户主', S8.head, '户主', '特困', '2022-01-01', '', COUNTY],
    ['H8', '朱十', S8.child, '女', '特困', '2022-01-01', '', COUNTY],
  ]);
  return root;
}

type FlagRow = { flag_id: string; flag: string; reason: string; category: string; child_id_number: string; child_person_id: string; evidence: string; params: string; effective_from: string | null };

let dir: string;
let cfg: Config;
let db: Db;
let flags: FlagRow[];
const of = (idNumber: string) => flags.filter((f) => f.child_id_number === idNumber).map((f) => `${f.flag}:${f.reason}:${f.category}`).sort();

beforeAll(async () => {
  dir = tempDir('bidui-optional-quarter-');
  cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox: inbox(dir) });
  db = await openStore(cfg.database);
  const result = await runQuarter(db, cfg, { asOf: AS_OF });
  expect(result.unreadFolders).toEqual([]);
  expect(result.ingest.map((b) => b.status)).toEqual(result.ingest.map(() => 'loaded'));
  flags = await queryRows<FlagRow>(db, `SELECT flag_id, flag, reason, category, child_id_number, child_person_id, evidence::VARCHAR AS evidence, params::VARCHAR AS params, effective_from::VARCHAR AS effective_from FROM flags WHERE run_id = '${RUN}'`);
  for (const [username, role, areas] of [
    ['rev', 'reviewer', [COUNTY]],
    ['sup', 'supervisor', [CITY]],
  ] as const) {
    await addUser(db, { username, role, areas: [...areas], password: PASSWORD });
  }
}, 120_000);

describe('a quarter over the five optional feeds', () => {
  it('raises the reasons they bring, through the linkage of their subjects', () => {
    expect(of(R1.child)).toEqual(['REMOVE:PARENT_REAPPEARED:ORPHAN']);
    expect(of(R2.child)).toEqual(['REMOVE:POVERTY_ENDED:DIFFICULTY_FAMILY']);
    expect(of(R3.child)).toEqual([]);
    expect(of(E1.child)).toEqual(['ADD:PARENTS_QUALIFY:DE_FACTO']);
    expect(of(I1)).toEqual(['ADD:CHILD_SERIOUSLY_ILL:DIFFICULTY_SELF']);
    expect(of(I2)).toEqual([]);
    expect(of(V1)).toEqual(['ADD:CHILD_HIV:HIV']);
    expect(of(S8.child)).toEqual(['ADD:POOR_FAMILY:DIFFICULTY_FAMILY']);
  });

  it('a household links a child to its parents: the head declared missing and the spouse dead make an orphan', () => {
    // S9 is in no registry and no school roll: only the household (H9, 低保边缘, which by itself counts
    // for nothing) names its parents, the head (宣告失踪) and the spouse (death record).
    expect(of(S9.child)).toEqual(['ADD:BOTH_PARENTS_GONE:ORPHAN']);
    const f = flags.find((x) => x.child_id_number === S9.child)!;
    const evidence = JSON.parse(f.evidence) as { feed: string; role: string }[];
    expect(evidence.map((e) => `${e.role}:${e.feed}`).sort()).toEqual(['father:court', 'mother:death']);
  });

  it('issue 17 item 8: an undated 失联 does not remove the child in the run that raises URGENT for the other parent, and the flag says so', () => {
    expect(of(R4.child)).toEqual(['URGENT:PARENT_EVENT_NO_CARER:DE_FACTO']);
    const f = flags.find((x) => x.child_id_number === R4.child)!;
    expect(JSON.parse(f.params)).toMatchObject({ assumed: { lostContactSince: { 父亲: '2024-01-01' } } });
  });

  it('the HIV flag cites only the hiv record; a child active as ORPHAN gets no HIV flag; no person id names a feed', () => {
    const f = flags.find((x) => x.child_id_number === V1)!;
    expect(JSON.parse(f.evidence).map((e: { feed: string }) => e.feed)).toEqual(['hiv']);
    expect(of(V2)).toEqual(['EDUCATION:NOT_ENROLLED:ORPHAN']);
    // Person ids are hashes: one made of a mention key ('hiv:7:1:subject') would tell an HIV record.
    for (const x of flags) expect(x.child_person_id).toMatch(/^P[0-9a-f]{15}$/);
  });
});

/** A signed-in client of the app (cookies, CSRF token, Origin on changes). */
class Client {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(
    readonly app: ReturnType<typeof createApp>,
    readonly name: string,
  ) {}
  async raw(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    if ((init.method ?? 'GET') !== 'GET') headers.set('origin', 'http://localhost');
    const res = await this.app.request(path, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  }
  async login() {
    const token = /name="_csrf" value="([^"]+)"/.exec(await (await this.raw('/login')).text())![1]!;
    const res = await this.raw('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: this.name, password: PASSWORD, _csrf: token }) });
    expect(res.status).toBe(200);
    this.csrf = ((await res.json()) as { csrfToken: string }).csrfToken;
    return this;
  }
  async json<T = any>(path: string): Promise<{ status: number; body: T }> {
    const res = await this.raw(path);
    return { status: res.status, body: (await res.json()) as T };
  }
  post(path: string, body: unknown) {
    return this.raw(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': this.csrf }, body: JSON.stringify(body) });
  }
}

describe('need-to-know for an HIV flag raised from the hiv feed', () => {
  type List = { total: number; items: { flagId: string }[] };
  type Dash = { byType: { flag: string; total: number }[]; byCategory: { label: string; total: number }[] };
  let rev: Client;
  let sup: Client;
  let hivFlag: FlagRow;
  beforeAll(async () => {
    const app = createApp(db, { exportDir: join(dir, 'web-exports'), today: () => '2026-10-20' });
    rev = await new Client(app, 'rev').login();
    sup = await new Client(app, 'sup').login();
    hivFlag = flags.find((x) => x.child_id_number === V1)!;
  });

  it('the reviewer without the grant: not in the queue, search, counts, page or actions; the supervisor with it sees and decides it', async () => {
    const r = (await rev.json<List>('/api/flags')).body;
    const s = (await sup.json<List>('/api/flags')).body;
    expect(r.items.map((i) => i.flagId)).not.toContain(hivFlag.flag_id);
    expect(s.items.map((i) => i.flagId)).toContain(hivFlag.flag_id);
    expect(r.total).toBe(s.total - 1);
    for (const q of [V1, '杨八', hivFlag.flag_id]) {
      expect((await rev.json<List>(`/api/flags?q=${encodeURIComponent(q)}`)).body.total).toBe(0);
      expect((await sup.json<List>(`/api/flags?q=${encodeURIComponent(q)}`)).body.items.map((i) => i.flagId)).toEqual([hivFlag.flag_id]);
    }
    expect((await rev.json<List>('/api/flags?reason=CHILD_HIV')).body.total).toBe(0);
    const dr = (await rev.json<Dash>('/api/dashboard')).body;
    const ds = (await sup.json<Dash>(`/api/dashboard?county=${COUNTY}`)).body;
    const sum = (xs: { total: number }[]) => xs.reduce((n, x) => n + x.total, 0);
    expect(sum(dr.byType)).toBe(sum(ds.byType) - 1);
    expect(JSON.stringify(dr)).not.toContain('艾滋病');
    expect((await rev.raw(`/api/flags/${hivFlag.flag_id}`)).status).toBe(404);
    expect((await rev.raw(`/flags/${hivFlag.flag_id}`)).status).toBe(404);
    expect((await rev.post(`/api/flags/${hivFlag.flag_id}/decide`, { decision: 'confirmed' })).status).toBe(404);
    const queuePage = await (await rev.raw('/queue')).text();
    expect(queuePage).not.toContain('杨八');
    expect(queuePage).not.toMatch(/艾滋/); // not even as a filter's choice
    expect(await (await sup.raw('/queue')).text()).toContain('儿童感染艾滋病病毒');

    // Routed to the role with the grant: the supervisor sees its evidence (the hiv record) and decides it.
    const page = await (await sup.raw(`/flags/${hivFlag.flag_id}`)).text();
    expect(page).toContain('艾滋病病毒感染者');
    expect(page).toContain('儿童感染艾滋病病毒');
    expect((await sup.post(`/api/flags/${hivFlag.flag_id}/decide`, { decision: 'confirmed' })).status).toBe(200);
  });

  it('the flag pages show the records the new reasons rest on, and an assumed 失联 date, in Chinese', async () => {
    const page = async (idNumber: string) => (await rev.raw(`/flags/${flags.find((x) => x.child_id_number === idNumber)!.flag_id}`)).text();
    const poor = await page(S8.child);
    expect(poor).toContain('低保或特困家庭儿童');
    expect(poor).toContain('社会救助名册');
    expect(poor).toContain('特困');
    const ill = await page(I1);
    expect(ill).toContain('儿童本人患重病');
    expect(ill).toContain('急性淋巴细胞白血病');
    expect(await page(R1.child)).toContain('法院判决');
    const urgent = await page(R4.child);
    expect(urgent).toContain('失联起始日期（登记时未填，按纳入保障日期计）');
    expect(urgent).toContain('2024-01-01');
  });

  it("a visible flag of a child with an HIV record: its page does not say the child's records were linked to an HIV record", async () => {
    const edu = flags.find((x) => x.child_id_number === V2)!;
    const page = await (await rev.raw(`/flags/${edu.flag_id}`)).text();
    expect(page).toContain('秦十一');
    expect(page).not.toMatch(/艾滋/);
    expect(JSON.stringify((await rev.json(`/api/flags/${edu.flag_id}`)).body)).not.toMatch(/艾滋|"hiv"/);
    // The supervisor, with the grant, is told the registry record was linked to the hiv record; the reviewer is not.
    // (The flag page shows the registry record on its own, not among the evidence: its link is registryMatch.)
    type Detail = { registry: object | null; registryMatch: { otherFeed: string } | null };
    const detail = async (c: Client) => (await c.json<Detail>(`/api/flags/${edu.flag_id}`)).body;
    expect((await detail(sup)).registryMatch?.otherFeed).toBe('hiv');
    const revDetail = await detail(rev);
    expect(revDetail.registry).not.toBeNull();
    expect(revDetail.registryMatch?.otherFeed).not.toBe('hiv');
    expect(await (await sup.raw(`/flags/${edu.flag_id}`)).text()).toContain('艾滋病病毒感染者（卫健，限制知悉）中的');
  });

  it('exports: without the grant no file holds the HIV flag or its evidence; with it, the analyst file does', async () => {
    const out = (sub: string) => join(dir, 'exports', sub);
    const without = await runExport(db, 'flags', { outDir: out('no'), by: 'rev' });
    const withGrant = await runExport(db, 'flags', { outDir: out('yes'), by: 'sup', needToKnow: true });
    const ids = async (path: string) => (await queryRows<{ id: string }>(db, `SELECT child_id_number AS id FROM read_parquet('${path}')`)).map((r) => r.id);
    // The analyst files are left sealed (`.parquet.sm4`): read opened.
    const parquet = (r: typeof without) => opened(r.files.find((f) => f.path.endsWith('.parquet.sm4'))!.path);
    expect(await ids(parquet(without))).not.toContain(V1);
    expect(await ids(parquet(withGrant))).toContain(V1);
    const evidence = await queryRows<{ e: string }>(db, `SELECT evidence::VARCHAR AS e FROM read_parquet('${parquet(without)}')`);
    expect(evidence.some((r) => r.e.includes('"hiv"'))).toBe(false);
    const summary = await runExport(db, 'summary', { outDir: out('no-summary'), by: 'rev' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(summary.files[0]!.path);
    // Not even the hiv feed's row counts in the data-quality sheet.
    expect(JSON.stringify(wb.worksheets.map((w) => w.getSheetValues()))).not.toContain('艾滋病');
    const granted = await runExport(db, 'summary', { outDir: out('yes-summary'), by: 'sup', needToKnow: true });
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.readFile(granted.files[0]!.path);
    expect(JSON.stringify(wb2.worksheets.map((w) => w.getSheetValues()))).toContain('艾滋病病毒感染者（卫健，限制知悉）');
    expect(readFileSync(summary.files[0]!.path).length).toBeGreaterThan(0);
  });

  it('rules explain: without the grant no HIV line or flag, and the flag id answers like an unknown one', async () => {
    const withGrant = (await explainChild(db, cfg, V1, AS_OF, 'sup', { needToKnow: true })).join('\n');
    expect(withGrant).toContain('儿童感染艾滋病病毒');
    expect(withGrant).toContain('艾滋病病毒感染（确诊 2025-11-01');
    const without = (await explainChild(db, cfg, V1, AS_OF, 'rev')).join('\n');
    expect(without).toContain('符合类别：无');
    expect(without).not.toMatch(/艾滋|HIV|hiv/);
    expect(await explainChild(db, cfg, hivFlag.flag_id, AS_OF, 'rev')).toEqual([`未找到儿童 ${hivFlag.flag_id}`]);
  });
});

describe('need-to-know: an hiv evidence item, whatever flag cites it', () => {
  const evidence = JSON.stringify([
    { feed: 'registry', record_id: 'R1', date: '2024-01-01', score: 1, role: 'registry', batch_id: 1, src_row: 1 },
    { feed: 'hiv', record_id: 'H-1', date: '2025-11-01', score: 1, role: 'child', batch_id: 7, src_row: 1 },
  ]);

  it('is masked in a file without the grant, and makes the flag restricted', async () => {
    const masked = async (needToKnow: boolean) =>
      (await queryAll(db, z.object({ e: z.string() }), sql`SELECT ${visibleEvidenceSql(needToKnow, 'ev')} AS e FROM (SELECT ${evidence}::JSON AS ev)`))[0]!.e;
    expect(JSON.parse(await masked(false))).toEqual([JSON.parse(evidence)[0], { feed: 'RESTRICTED' }]);
    expect(JSON.parse(await masked(true))).toEqual(JSON.parse(evidence));
    expect(isRestrictedFlag({ category: 'ORPHAN', previous_category: null, evidence })).toBe(true);
    expect(isRestrictedFlag({ category: 'ORPHAN', previous_category: null, evidence: JSON.stringify([JSON.parse(evidence)[0]]) })).toBe(false);
  });
});
