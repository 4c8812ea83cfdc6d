// What a user can export, as one list for the CLI's listing and the web export page: every
// template file (national and provincial), then the education list, the quarterly report and the
// analysts' files.
import { UserError } from '../review/index.js';
import type { ExportKind } from './common.js';
import { listTemplates } from './template.js';

export interface ExportChoice {
  /** The kind for a system's default template and for the other exports; the template's name for the others. */
  id: string;
  kind: ExportKind;
  template: string | null;
  label: string;
  isDefault: boolean;
}

const OTHER: readonly ExportChoice[] = [
  { id: 'education', kind: 'education', template: null, label: '教育部门适龄儿童名单（XLSX + CSV）', isDefault: false },
  { id: 'summary', kind: 'summary', template: null, label: '季度比对报告（PDF + 可打印 XLSX）', isDefault: false },
  { id: 'flags', kind: 'flags', template: null, label: '全部标记（供数据分析，Parquet + Arrow）', isDefault: false },
];

export function exportChoices(): ExportChoice[] {
  const templates = listTemplates().sort((a, b) => (a.system === b.system ? Number(b.default) - Number(a.default) : a.system === 'national' ? -1 : 1));
  return [
    ...templates.map((t) => ({
      // The default template of a system is chosen by the kind itself (national, provincial).
      id: t.default ? t.system : t.name,
      kind: t.system,
      template: t.name,
      label: `${t.title}（${t.name}${t.default ? '，默认' : ''}；${t.files.map((f) => f.format.toUpperCase()).join(' + ')}）`,
      isDefault: t.default,
    })),
    ...OTHER,
  ];
}

/** A choice by id (an export kind: national / provincial are their default template) or by template name. */
export function exportChoice(id: string): ExportChoice {
  const all = exportChoices();
  const hit = all.find((c) => c.id === id || c.template === id);
  if (!hit) throw new UserError(`没有这种导出：${id}；可选：${all.map((c) => c.id).join('、')}`);
  return hit;
}
