// Roles of the web review queue, what each may do, and the area scope every query enforces.
import { sql, type Sql } from '../pipeline/store/index.js';

export const ROLES = ['reviewer', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  reviewer: '审核员',
  supervisor: '主管',
  admin: '系统管理员',
};

/** What a role may do. Need-to-know (RULES.md §4): HIV status and criminal details. */
export interface RoleSettings {
  /** Sees the HIV category and incarceration details (measure, institution, parent status). */
  needToKnow: boolean;
  /** May record the second approval ('approved') of a confirmed REMOVE. */
  canApprove: boolean;
  /** May read the audit log of its scope (everyone may read their own actions). */
  readsAudit: boolean;
  /** Sees every area (the areas of the account are ignored). */
  allAreas: boolean;
  /** Full ID numbers in the files it exports from a list (the queue's view); others get them masked. */
  seesFullIds: boolean;
  /** Loads the feeds: sees the data page (batches, quarantined rows of every area) and exports quarantined rows for their senders. */
  loadsData: boolean;
}

export const DEFAULT_ROLE_SETTINGS: Readonly<Record<Role, RoleSettings>> = {
  reviewer: { needToKnow: false, canApprove: false, readsAudit: false, allAreas: false, seesFullIds: false, loadsData: false },
  supervisor: { needToKnow: true, canApprove: true, readsAudit: true, allAreas: false, seesFullIds: true, loadsData: false },
  admin: { needToKnow: true, canApprove: false, readsAudit: true, allAreas: true, seesFullIds: true, loadsData: true },
};

export interface User {
  username: string;
  role: Role;
  areas: string[];
  displayName: string | null;
}

/** Checks an area code for a role: 6-digit county codes for reviewers, city codes (4 digits + 00) for supervisors. */
export function areaError(role: Role, code: string): string | null {
  if (!/^\d{6}$/.test(code)) return `区划代码 ${code} 无效：应为 6 位数字`;
  if (role === 'reviewer' && code.endsWith('00')) return `审核员的区划应为区县代码（如 440305），${code} 是市级或省级代码`;
  if (role === 'supervisor' && (!code.endsWith('00') || code.endsWith('0000'))) return `主管的区划应为地市代码（前 4 位 + 00，如 440300），${code} 不是`;
  if (role === 'admin' && !/^\d{2}0000$|^\d{4}00$|^\d{6}$/.test(code)) return `区划代码 ${code} 无效`;
  return null;
}

/** The code prefix an area covers: a county itself, a city's 4 digits, a province's 2. */
export function areaPrefix(role: Role, code: string): string {
  if (role === 'reviewer') return code;
  if (/^\d{2}0000$/.test(code)) return code.slice(0, 2);
  if (/^\d{4}00$/.test(code)) return code.slice(0, 4);
  return code;
}

export function scopePrefixes(user: User, settings: Readonly<Record<Role, RoleSettings>>): string[] | 'all' {
  if (settings[user.role].allAreas) return 'all';
  return user.areas.map((a) => areaPrefix(user.role, a));
}

/**
 * SQL predicate: the county code `column` lies in the user's areas (never true for a NULL county
 * unless all areas). The prefixes are bound as parameters.
 */
export function scopeSql(user: User, settings: Readonly<Record<Role, RoleSettings>>, column: Sql = sql`f.county_code`): Sql {
  const p = scopePrefixes(user, settings);
  if (p === 'all') return sql`TRUE`;
  if (!p.length) return sql`FALSE`;
  return sql`(${column} IS NOT NULL AND (${sql.join(
    p.map((x) => sql`starts_with(${column}, ${x})`),
    sql` OR `,
  )}))`;
}

/** Whether a code (county or prefix) lies inside the user's areas. */
export function inScope(user: User, settings: Readonly<Record<Role, RoleSettings>>, code: string): boolean {
  const p = scopePrefixes(user, settings);
  if (p === 'all') return true;
  return p.some((x) => code.startsWith(x));
}
