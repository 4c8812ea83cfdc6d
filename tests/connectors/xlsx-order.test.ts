// exceljs's streaming reader names a worksheet from xl/workbook.xml; an archive that stores workbook.xml after its
// sheet and shared strings (exceljs's own writer does) crashed it (exceljs issue #3064): a good workbook failed, one
// run in five of the fault suite. connectors/readers/xlsx.ts reads the sheets from the central directory first.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { ingestInbox } from '../../connectors/index.js';
import { openStore, queryRows } from '../../pipeline/store/index.js';
import { makeId, tempDir, writeFile } from '../helpers.js';
import { zipArchive } from './fault-files.js';

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const DOC = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const ID = makeId('510104', '20120315', '011');

/** A one-sheet workbook whose parts come in the order given (workbook.xml last). */
function workbook(sheetName: string): Buffer {
  const strings = ['儿童编号', '儿童姓名', '身份证号', '保障类别', '保障状态', 'R1', '王小明', ID, '孤儿', '在保'];
  const cell = (ref: string, i: number) => `<c r="${ref}" t="s"><v>${i}</v></c>`;
  const part = (name: string, xml: string) => ({ name, data: Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${xml}`) });
  return zipArchive([
    part(
      '[Content_Types].xml',
      `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
    ),
    part('_rels/.rels', `<Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    part(
      'xl/_rels/workbook.xml.rels',
      `<Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${DOC}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${DOC}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    ),
    part('xl/sharedStrings.xml', `<sst xmlns="${MAIN}" count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`),
    part(
      'xl/worksheets/sheet1.xml',
      `<worksheet xmlns="${MAIN}"><sheetData><row r="1">${['A1', 'B1', 'C1', 'D1', 'E1'].map((r, i) => cell(r, i)).join('')}</row><row r="2">${['A2', 'B2', 'C2', 'D2', 'E2'].map((r, i) => cell(r, i + 5)).join('')}</row></sheetData></worksheet>`,
    ),
    part('xl/workbook.xml', `<workbook xmlns="${MAIN}" xmlns:r="${DOC}"><sheets><sheet name="${sheetName}" sheetId="1" r:id="rId1"/></sheets></workbook>`),
  ]);
}

it('reads a workbook whose workbook.xml comes after its sheet and shared strings, its sheet found by name', async () => {
  const dir = tempDir();
  const inbox = join(dir, 'inbox');
  writeFile(inbox, 'registry/roll.xlsx', workbook('名册 &amp; 2026'));
  // the sheet asked for by the name workbook.xml gives it (an entity decoded)
  const cfg = loadConfig(undefined, { database: join(dir, 'bidui.duckdb'), inbox, sources: [{ name: 'roll', feed: 'registry', path: 'registry', sheet: '名册 & 2026' }] });
  const db = await openStore(cfg.database);
  const [report] = await ingestInbox(db, cfg);
  expect(report!.error).toBeUndefined();
  expect(report).toMatchObject({ status: 'loaded', rowsLoaded: 1 });
  expect(await queryRows(db, 'SELECT name, id_number FROM feed_registry')).toEqual([{ name: '王小明', id_number: ID }]);
});
