// Issue 17 items 9 and 10 through the web app: the queue's sort, paging and export of the view; the
// needs-info loop (a note and a due date, waiting, back in the queue when answered or due); the data
// page of quarantined rows (file, sheet row or line, field, reason, value; masked) and the workbook a
// sender fixes (full values, audited). A fresh store with flags inserted and real files ingested.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { lit, openStore, queryRows, type Db } from '../../pipeline/store/index.js';
import { addUser, createApp } from '../../web/index.js';
import { makeId, opened, tempDir, writeFile } from '../helpers.js';
import { insertFlag, insertRun, RUN } from '../review/fixture.js';
import { WebClient } from './client.js';

const PASSWORD = 'test-password-1';
const A = '440305';
const B = '440306';
const TODAY = '2026-10-20';
/** The ID of the person on the quarantined rows (its full value must reach only the sender's workbook). */
const QID = makeId('440101', '19900101', '123');
const QID2 = makeId('440101', '19850505', '456');

let dir: string;
let db: Db;
let app: ReturnType<typeof createApp>;

const FLAG_TYPES = ['ADD', 'REMOVE', 'URGENT', 'EDUCATION', 'RECLASSIFY', 'WATCH'];
/** 60 flags in county A (every type, priorities 1-5, names in an order unlike their ids), 3 in county B. */
async function seedFlags(): Promise<void> {
  await insertRun(db, RUN, '2026-09-30');
  for (let i = 0; i < 60; i++) {
    await insertFlag(db, {
      flag_id: `F${String(i).padStart(3, '0')}`,
      flag: FLAG_TYPES[i % 6]!,
      reason: 'CHILD_DEAD',
      category: 'ORPHAN',
      child_name: `儿童${String((i * 37) % 60).padStart(2, '0')}`,
      child_id_number: makeId(A, '20150101', String(100 + i)),
      county_code: A,
      priority: (i % 5) + 1,
    });
  }
  // County B's three ADD flags: one resting on a name-only link (score 0.6), one without a score, one at 0.95.
  const scores = [0.6, undefined, 0.95];
  for (let i = 0; i < 3; i++) {
    await insertFlag(db, { flag_id: `B${i}`, flag: 'ADD', reason: 'BOTH_PARENTS_GONE', child_name: `乙${i}`, child_id_number: makeId(B, '20140101', String(200 + i)), county_code: B, priority: 2, score: scores[i] });
  }
}

/** A death feed with bad rows: a CSV (file lines) and an XLSX (sheet rows). */
async function ingestBadFiles(): Promise<void> {
  const inbox = join(dir, 'inbox');
  writeFile(
    inbox,
    'death/gongan-2026q3.csv',
    ['姓名,身份证号,死亡日期,记录编号', `张三,${QID},2026-03-05,R1`, `李四,${QID2},2026-13-45,R2`, `王五,${makeId('440101', '19700101', '789')},,R3`].join('\n') + '\n',
  );
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('死亡');
  ws.addRow(['姓名', '身份证号', '死亡日期', '记录编号']);
  ws.addRow(['赵六', makeId('440101', '19600101', '111'), '2026-04-01', 'X1']);
  ws.addRow(['钱七', QID, '2026-02-30', 'X2']);
  await wb.xlsx.writeFile(join(inbox, 'death', 'weijian-2026q3.xlsx'));
  const cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox });
  const reports = await ingestInbox(db, cfg, {});
  expect(reports.map((r) => [basename(r.file), r.status, r.rowsQuarantined])).toEqual([
    ['gongan-2026q3.csv', 'loaded', 2],
    ['weijian-2026q3.xlsx', 'loaded', 1],
  ]);
}

beforeAll(async () => {
  dir = tempDir('bidui-queue-');
  db = await openStore(join(dir, 'bidui.duckdb'));
  await seedFlags();
  await ingestBadFiles();
  await addUser(db, { username: 'rev_a', role: 'reviewer', areas: [A], password: PASSWORD });
  await addUser(db, { username: 'sup', role: 'supervisor', areas: ['440300'], password: PASSWORD });
  await addUser(db, { username: 'admin', role: 'admin', areas: [], password: PASSWORD });
  app = createApp(db, { exportDir: join(dir, 'exports'), today: () => TODAY });
}, 120_000);

async function signedIn(name: string, on = app): Promise<WebClient> {
  const c = new WebClient(on, name);
  expect((await c.login(PASSWORD)).status).toBe(200);
  return c;
}

interface Item {
  flagId: string;
  childName: string;
  childIdMasked: string;
  priority: number;
  status: string;
  followUp: string | null;
  infoDueOn: string | null;
  todo: boolean;
}
interface Page {
  total: number;
  page: number;
  pages: number;
  size: number;
  items: Item[];
  byType: Record<string, { total: number; open: number; waiting: number }>;
}

async function readSheet(c: WebClient, url: string, sheet: string): Promise<string[][]> {
  const res = await c.get(url);
  expect(res.status).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
  const rows: string[][] = [];
  wb.getWorksheet(sheet)!.eachRow((r) => rows.push((r.values as unknown[]).slice(1).map((v) => (v == null ? '' : String(v)))));
  return rows;
}

describe('the queue: sort, paging and the export of the view (issue 17 item 10)', () => {
  it('pages through every flag of the scope once, in a stable order; the page size is one of the offered ones', async () => {
    const rev = await signedIn('rev_a');
    const seen: string[] = [];
    for (let p = 1; p <= 3; p++) {
      const { status, body } = await rev.json<Page>(`/api/flags?size=25&page=${p}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ total: 60, pages: 3, page: p, size: 25 });
      expect(body.items).toHaveLength(p < 3 ? 25 : 10);
      seen.push(...body.items.map((i) => i.flagId));
    }
    expect(new Set(seen).size).toBe(60);
    expect(seen.every((id) => id.startsWith('F'))).toBe(true);
    // Past the last page: the last page.
    expect((await rev.json<Page>('/api/flags?size=25&page=9')).body.page).toBe(3);
    expect((await rev.json('/api/flags?size=33')).status).toBe(400);
    // The page shows the pager and the sortable headers.
    const html = await (await rev.get('/queue?size=25&page=2')).text();
    expect(html).toContain('第 2 / 3 页（第 26–50 条，共 60 条）');
    expect(html).toMatch(/href="\/queue\?[^"]*sort=priority[^"]*"/);
  });

  it('sorts by a column in either direction, ties by urgency then id', async () => {
    const rev = await signedIn('rev_a');
    const desc = (await rev.json<Page>('/api/flags?size=200&sort=priority&dir=desc')).body.items.map((i) => i.priority);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    expect(desc[0]).toBe(5);
    const names = (await rev.json<Page>('/api/flags?size=200&sort=name')).body.items.map((i) => i.childName);
    expect(names).toEqual([...names].sort());
    const namesDesc = (await rev.json<Page>('/api/flags?size=200&sort=name&dir=desc')).body.items.map((i) => i.childName);
    expect(namesDesc).toEqual([...names].reverse());
    expect((await rev.json('/api/flags?sort=evil')).status).toBe(400);
  });

  it('puts the surer of two flags of one priority first: a name-only link\'s lower score last', async () => {
    const sup = await signedIn('sup');
    const items = (await sup.json<Page>(`/api/flags?run=${RUN}&flag=ADD&size=200`)).body.items.map((i) => i.flagId).filter((id) => id.startsWith('B'));
    expect(items).toEqual(['B1', 'B2', 'B0']);
  });

  it('exports the filtered view, every page in its order, as XLSX: IDs masked for a reviewer, full for a supervisor; audited', async () => {
    const rev = await signedIn('rev_a');
    const view = { flag: 'ADD', sort: 'priority', dir: 'desc' };
    const listed = (await rev.json<Page>('/api/flags?flag=ADD&sort=priority&dir=desc&size=25')).body;
    const { status, body } = await rev.postJson<{ files: { url: string; rows: number }[] }>('/api/queue/export', view);
    expect(status).toBe(200);
    expect(body.files[0]!.rows).toBe(listed.total);
    const rows = await readSheet(rev, body.files[0]!.url, '审核队列');
    expect(rows[0]).toEqual(expect.arrayContaining(['标记编号', '身份证号', '审核状态', '补充期限']));
    const ids = rows.slice(1).map((r) => r[0]);
    expect(ids).toHaveLength(10);
    expect(ids.slice(0, listed.items.length)).toEqual(listed.items.map((i) => i.flagId));
    const idCol = rows[0]!.indexOf('身份证号');
    expect(rows.slice(1).every((r) => /^\d{6}\*{8}\d{3}[\dX]$/.test(r[idCol]!))).toBe(true);

    const sup = await signedIn('sup');
    const supFile = (await sup.postJson<{ files: { url: string; rows: number }[] }>('/api/queue/export', { ...view, run: RUN })).body.files[0]!;
    expect(supFile.rows).toBe(13); // the city: county A's 10 ADD flags and county B's 3
    const supRows = await readSheet(sup, supFile.url, '审核队列');
    expect(supRows.slice(1).some((r) => r[idCol] === makeId(B, '20140101', '200'))).toBe(true);
    // One's own export only.
    expect((await rev.get(supFile.url)).status).toBe(404);

    const audits = await queryRows<{ actor: string; rows: number; kind: string; full: boolean }>(
      db,
      `SELECT actor, rows, (detail->>'kind') AS kind, (detail->>'fullIds')::BOOLEAN AS full FROM audit_log WHERE action = 'export' AND (detail->>'kind') = 'queue' ORDER BY audit_id`,
    );
    expect(audits).toEqual([
      { actor: 'rev_a', rows: 10, kind: 'queue', full: false },
      { actor: 'sup', rows: 13, kind: 'queue', full: true },
    ]);
  });
});

describe('needs info: a note and a due date, waiting, back in the queue when answered or due (issue 17 item 10)', () => {
  it('a request waits with its due date and leaves the to-do count; the recorded answer brings it back', async () => {
    const rev = await signedIn('rev_a');
    const before = (await rev.json<Page>('/api/flags?flag=WATCH')).body.byType.WATCH!;
    expect((await rev.post('/api/flags/F005/decide', { decision: 'needs_info', reason: '请学校提供在读证明', dueOn: '2026-10-01' })).status).toBe(400);
    const asked = await rev.post('/api/flags/F005/decide', { decision: 'needs_info', reason: '请学校提供在读证明', dueOn: '2026-11-15' });
    expect(asked.status).toBe(200);
    const waiting = (await rev.json<Page>('/api/flags?flag=WATCH&size=200')).body;
    const item = waiting.items.find((i) => i.flagId === 'F005')!;
    expect(item).toMatchObject({ status: 'needs_info', followUp: 'waiting', infoDueOn: '2026-11-15', todo: false });
    expect(waiting.byType.WATCH).toMatchObject({ open: before.open - 1, waiting: before.waiting + 1 });
    // Waiting flags come after the to-do ones in the default order.
    expect(waiting.items.findIndex((i) => i.flagId === 'F005')).toBeGreaterThan(waiting.items.map((i) => i.todo).lastIndexOf(true));
    expect(await (await rev.get('/flags/F005')).text()).toContain('补充期限 2026-11-15');

    expect((await rev.post('/api/flags/F005/answer', { answer: '' })).status).toBe(400);
    expect((await rev.post('/api/flags/F006/answer', { answer: '学校回函' })).status).toBe(409);
    expect((await rev.post('/api/flags/F005/answer', { answer: '学校回函：该生在读' })).status).toBe(200);
    const back = (await rev.json<Page>('/api/flags?flag=WATCH&size=200')).body;
    expect(back.items.find((i) => i.flagId === 'F005')).toMatchObject({ status: 'pending', followUp: 'answered', todo: true });
    expect(back.byType.WATCH).toMatchObject({ open: before.open, waiting: before.waiting });
    const history = await queryRows<{ decision: string; reason: string; due_on: string | null }>(
      db,
      `SELECT decision, reason, CAST(due_on AS VARCHAR) AS due_on FROM decisions WHERE flag_id = 'F005' ORDER BY decision_id`,
    );
    expect(history).toEqual([
      { decision: 'needs_info', reason: '请学校提供在读证明', due_on: '2026-11-15' },
      { decision: 'info_received', reason: '学校回函：该生在读', due_on: null },
    ]);
    // Then decided as any pending flag.
    expect((await rev.post('/api/flags/F005/decide', { decision: 'confirmed' })).status).toBe(200);
    expect((await rev.json<Page>('/api/flags?flag=WATCH&status=confirmed&size=200')).body.items.map((i) => i.flagId)).toContain('F005');
  });

  it('past its due date without an answer the flag is back in the queue, marked overdue; without a date it is due in 14 days', async () => {
    const rev = await signedIn('rev_a');
    expect((await rev.post('/api/flags/F011/decide', { decision: 'needs_info', reason: '请提供死亡证明', dueOn: '2026-10-25' })).status).toBe(200);
    expect((await rev.post('/api/flags/F017/decide', { decision: 'needs_info', reason: '请提供户籍证明' })).status).toBe(200);
    const now = (await rev.json<Page>('/api/flags?flag=WATCH&size=200')).body.items;
    expect(now.find((i) => i.flagId === 'F011')).toMatchObject({ status: 'needs_info', followUp: 'waiting' });
    expect(now.find((i) => i.flagId === 'F017')).toMatchObject({ status: 'needs_info', infoDueOn: '2026-11-03' });

    const later = createApp(db, { exportDir: join(dir, 'exports'), today: () => '2026-10-26' });
    const rev2 = await signedIn('rev_a', later);
    const items = (await rev2.json<Page>('/api/flags?flag=WATCH&size=200')).body.items;
    expect(items.find((i) => i.flagId === 'F011')).toMatchObject({ status: 'pending', followUp: 'overdue', infoDueOn: '2026-10-25', todo: true });
    expect(items.find((i) => i.flagId === 'F017')).toMatchObject({ status: 'needs_info', followUp: 'waiting' });
    expect(await (await rev2.get('/flags/F011')).text()).toContain('补充材料已逾期');
    // An overdue request can still be answered.
    expect((await rev2.post('/api/flags/F011/answer', { answer: '迟到的证明' })).status).toBe(200);
  });
});

describe('quarantined rows: the data page and the workbook for the sender (issue 17 item 9)', () => {
  interface QItem {
    batchId: number;
    fileName: string;
    place: string;
    field: string | null;
    fieldLabel: string;
    reason: string;
    reasonLabel: string;
    value: string | null;
  }

  it('lists file, sheet row or line, field, reason in Chinese and the value, masked, to the roles that load data only', async () => {
    const admin = await signedIn('admin');
    const { status, body } = await admin.json<{ total: number; items: QItem[] }>('/api/data/quarantine');
    expect(status).toBe(200);
    const shown = body.items.map((i) => [i.fileName, i.place, i.fieldLabel, i.reasonLabel, i.value]);
    expect(shown).toEqual(
      expect.arrayContaining([
        ['gongan-2026q3.csv', '第 3 行', '死亡日期', '日期不存在', '2026-13-45'],
        ['gongan-2026q3.csv', '第 4 行', '死亡日期', '必填项为空', null],
        ['weijian-2026q3.xlsx', '工作表第 3 行', '死亡日期', '日期不存在', '2026-02-30'],
      ]),
    );
    expect(body.total).toBe(3);
    const page = await (await admin.get('/data')).text();
    expect(page).toContain('weijian-2026q3.xlsx');
    expect(page).toContain('工作表第 3 行');
    expect(page).toContain('href="/data"');
    for (const text of [JSON.stringify(body), page]) {
      expect(text).not.toContain(QID);
      expect(text).not.toContain(QID2);
    }
    // Filter by batch.
    const xlsxBatch = body.items.find((i) => i.fileName.endsWith('.xlsx'))!.batchId;
    expect((await admin.json<{ total: number }>(`/api/data/quarantine?batchId=${xlsxBatch}`)).body.total).toBe(1);

    const rev = await signedIn('rev_a');
    expect((await rev.get('/api/data/quarantine')).status).toBe(403);
    expect((await rev.get('/data')).status).toBe(403);
    expect(await (await rev.get('/queue')).text()).not.toContain('href="/data"');
    expect((await rev.post('/api/data/quarantine/export', {})).status).toBe(403);
  });

  it('exports a workbook the sender can fix, with the full values, and audits it', async () => {
    const admin = await signedIn('admin');
    const { status, body } = await admin.postJson<{ files: { url: string; rows: number; name: string }[] }>('/api/data/quarantine/export', { feed: 'death' });
    expect(status).toBe(200);
    expect(body.files[0]!.rows).toBe(3);
    const problems = await readSheet(admin, body.files[0]!.url, '隔离明细');
    expect(problems[0]).toEqual(['文件', '数据类型', '导入批次', '位置', '行号', '字段', '原因', '说明', '原值（请更正）']);
    expect(problems.slice(1).map((r) => [r[0], r[3], r[5], r[6], r[8]])).toEqual(
      expect.arrayContaining([
        ['gongan-2026q3.csv', '第 3 行', '死亡日期', '日期不存在', '2026-13-45'],
        ['weijian-2026q3.xlsx', '工作表第 3 行', '死亡日期', '日期不存在', '2026-02-30'],
      ]),
    );
    // One sheet per file: the rows as the sender wrote them, with what to correct.
    const res = await admin.get(body.files[0]!.url);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const csvSheet = wb.worksheets.find((w) => w.name.includes('gongan'))!;
    const header = (csvSheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(['行号', '问题', '姓名', '身份证号', '死亡日期', '记录编号']);
    expect((csvSheet.getRow(2).values as unknown[]).slice(1)).toEqual([3, '死亡日期：日期不存在', '李四', QID2, '2026-13-45', 'R2']);
    const audit = await queryRows<{ actor: string; rows: number; kind: string; target: string }>(
      db,
      `SELECT actor, rows, (detail->>'kind') AS kind, target FROM audit_log WHERE action = 'export' AND (detail->>'kind') = 'quarantine'`,
    );
    expect(audit).toEqual([{ actor: 'admin', rows: 3, kind: 'quarantine', target: expect.stringContaining('隔离数据_') }]);
    // The audit names the workbook before sealing; it is stored sealed beside that name.
    expect(readFileSync(opened(`${audit[0]!.target}.sm4`)).length).toBeGreaterThan(0);
    expect(await queryRows(db, `SELECT 1 FROM audit_log WHERE target = ${lit(audit[0]!.target)} AND actor <> 'admin'`)).toEqual([]);
  });
});
