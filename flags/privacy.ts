// Need-to-know at the level of the vocabulary (RULES.md §4), one rule for the web and every export:
// - a flag of a restricted category (HIV), now or before (previous_category), exists only for
//   roles with the grant: without it, it is left out of every list, search, count and file;
// - a reason that tells a criminal record (PARENT_RELEASED) reads RESTRICTED_REASON_LABEL, and
//   evidence of a restricted feed (incarceration) is masked, without the grant.
import { sql, textList, type Sql } from '../pipeline/store/index.js';
import { RESTRICTED_CATEGORIES, RESTRICTED_FEEDS } from '../rules/index.js';

export { RESTRICTED_FEEDS };

/** Reasons that tell a criminal record: a role without the grant sees only that a qualifying status ended. */
export const RESTRICTED_REASONS: readonly string[] = ['PARENT_RELEASED'];
/** What a role without the grant reads for a restricted reason. */
export const RESTRICTED_REASON_LABEL = '父母符合条件的情形已消失（限制知悉）';
/** The code a file without the grant carries instead of a restricted reason or feed. */
export const RESTRICTED_CODE = 'RESTRICTED';
/** Feeds every field of which needs the grant (a row of them is not shown at all without it). */
export const RESTRICTED_ROW_FEEDS: readonly string[] = ['hiv'];

/** Reasons raised only for a restricted category (CHILD_HIV): a role without the grant is not offered them, not even as a filter. */
export const RESTRICTED_CATEGORY_REASONS: readonly string[] = ['CHILD_HIV'];

/** Whether a category code (or `code:subtype`) needs the grant. */
export function isRestrictedCategory(category: string | null | undefined): boolean {
  return !!category && (RESTRICTED_CATEGORIES as readonly string[]).includes(category.split(':')[0]!);
}

/**
 * Whether a flag needs the grant to exist for its reader: its category or its previous category is
 * restricted, or (defence in depth: the rules cite an HIV record only in an HIV flag) its evidence
 * cites a record of a feed that is restricted whole.
 */
export function isRestrictedFlag(f: { category: string | null; previous_category: string | null; evidence?: string | null }): boolean {
  if (isRestrictedCategory(f.category) || isRestrictedCategory(f.previous_category)) return true;
  return !!f.evidence && RESTRICTED_ROW_FEEDS.some((feed) => f.evidence!.includes(`"feed":"${feed}"`));
}

export function isRestrictedReason(reason: string | null | undefined): boolean {
  return !!reason && RESTRICTED_REASONS.includes(reason);
}

/**
 * SQL predicate: the flag (columns `category`, `previous_category` of `alias`, or unqualified)
 * may be seen by a reader with (`needToKnow`) or without the grant. Always TRUE with the grant.
 */
export function flagVisibleSql(needToKnow: boolean, alias?: string): Sql {
  if (needToKnow) return sql`TRUE`;
  const col = (c: string) => sql.trusted(alias ? `${alias}.${c}` : c);
  const cats = textList(RESTRICTED_CATEGORIES);
  return sql`(NOT list_contains(${cats}, split_part(coalesce(${col('category')}, ''), ':', 1))
     AND NOT list_contains(${cats}, split_part(coalesce(${col('previous_category')}, ''), ':', 1)))`;
}

/** SQL: the reason column as a reader without the grant may see it (RESTRICTED_CODE for a restricted one). */
export function visibleReasonSql(needToKnow: boolean, column = 'reason'): Sql {
  const c = sql.trusted(column);
  return needToKnow ? c : sql`CASE WHEN list_contains(${textList(RESTRICTED_REASONS)}, ${c}) THEN ${RESTRICTED_CODE} ELSE ${c} END`;
}

/**
 * SQL: the evidence JSON column as a reader without the grant may see it: an item of a restricted
 * feed becomes {"feed":"RESTRICTED"} (no record id, date, batch or row that would find the record).
 */
export function visibleEvidenceSql(needToKnow: boolean, column = 'evidence'): Sql {
  const c = sql.trusted(column);
  if (needToKnow) return sql`CAST(${c} AS VARCHAR)`;
  return sql`CASE WHEN ${c} IS NULL THEN NULL ELSE CAST(to_json(list_transform(CAST(${c} AS JSON[]),
      e -> CASE WHEN list_contains(${textList(RESTRICTED_FEEDS)}, e->>'feed') THEN json_object('feed', ${RESTRICTED_CODE}) ELSE e END)) AS VARCHAR) END`;
}
