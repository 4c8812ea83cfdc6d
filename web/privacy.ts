// Need-to-know (RULES.md §4): an HIV flag (flags/privacy.ts: its category or previous category is
// restricted) exists only for roles with the grant (RoleSettings.needToKnow) — every query of the
// web filters it out for others (flagVisible), so a reviewer without the grant never learns one
// exists, not even as a count. Criminal records (incarceration details, a parent's restriction
// status, a release from prison) are shown only to roles with the grant; others read RESTRICTED,
// a record of a restricted feed is hidden whole (evidenceHidden), and a flag whose reason they may
// not read is decided by a role with the grant (decidedByGrantRole), never confirmed blind.
// Every page and answer of the web takes these rules from here.
import { categoryLabel, flagVisibleSql, isRestrictedCategory, isRestrictedReason, reasonLabel, REASON_CODES, RESTRICTED_CATEGORY_REASONS, RESTRICTED_CODE, RESTRICTED_FEEDS, RESTRICTED_REASONS, RESTRICTED_REASON_LABEL, RESTRICTED_ROW_FEEDS, type EvidenceItem } from '../flags/index.js';
import { sql, textList, type Sql } from '../pipeline/store/index.js';
import type { Ctx } from './context.js';
import { CATEGORY_OPTIONS } from './labels.js';

export const RESTRICTED = '符合条件的情形（限制知悉）';
/** What a role without the grant reads for a restricted reason. */
export const RESTRICTED_REASON = RESTRICTED_REASON_LABEL;
/** Why the rules' trace is not shown to a role without the grant. */
export const RESTRICTED_TRACE = '推理过程涉及限制知悉的信息（刑事、健康），仅对有权限的角色显示；上面的原因、证据和参数即为判定依据。';

export const canSeeRestricted = (ctx: Ctx): boolean => ctx.roles[ctx.user.role].needToKnow;

export { isRestrictedCategory, isRestrictedReason };

/** SQL predicate: this user may know the flag (columns of `alias`, or unqualified) exists. */
export const flagVisible = (ctx: Ctx, alias?: string): Sql => flagVisibleSql(canSeeRestricted(ctx), alias);

/** SQL predicate on a feed column: a record of a feed restricted whole (hiv) is not named to a role without the grant (a match explanation saying "linked to an HIV record" would tell). */
export const restrictedFeedHidden = (ctx: Ctx, feed: Sql): Sql =>
  canSeeRestricted(ctx) ? sql`TRUE` : sql`NOT list_contains(${textList(RESTRICTED_ROW_FEEDS)}, ${feed})`;

/** A category's label, or RESTRICTED for a restricted one without the grant. */
export function restrictedCategory(ctx: Ctx, category: string | null): string {
  if (!category) return '';
  if (isRestrictedCategory(category) && !canSeeRestricted(ctx)) return RESTRICTED;
  return categoryLabel(category);
}

/** The category filter's choices this user may use (a filter on a restricted category would tell). */
export function categoryOptions(ctx: Ctx): [string, string][] {
  return CATEGORY_OPTIONS.filter(([c]) => canSeeRestricted(ctx) || !isRestrictedCategory(c));
}

/** The reason filter's choices this user may use: without the grant, no restricted reason (a release from prison) nor one of a restricted category (CHILD_HIV). */
export function reasonOptions(ctx: Ctx): [string, string][] {
  return [...new Set(Object.values(REASON_CODES).flat())]
    .filter((r) => canSeeRestricted(ctx) || !(RESTRICTED_CATEGORY_REASONS.includes(r) || isRestrictedReason(r)))
    .map((r) => [r, reasonLabel(r)]);
}

/** A reason's label; a reason that tells a criminal record reads RESTRICTED_REASON without the grant. */
export function visibleReason(ctx: Ctx, reason: string): string {
  return isRestrictedReason(reason) && !canSeeRestricted(ctx) ? RESTRICTED_REASON : reasonLabel(reason);
}

/** A parent's status that is a criminal (or compulsory treatment) record. */
const RESTRICTED_PARENT_STATUS: ReadonlySet<string> = new Set(['INCARCERATED', 'COMPULSORY_REHAB', 'OTHER_RESTRICTION']);
/** Fields of a feed that are restricted whatever their value. */
const RESTRICTED_FIELDS: Readonly<Record<string, readonly string[]>> = { incarceration: ['measure', 'institution'] };

/**
 * The value of one field of a stored feed row as this user may see it: `shown` (already labelled
 * and masked), or RESTRICTED when the field, the row's category or a parent's status needs the grant.
 */
export function visibleFieldValue(ctx: Ctx, feed: string, row: Record<string, unknown>, key: string, shown: string): string {
  if (!shown || canSeeRestricted(ctx)) return shown;
  if (RESTRICTED_ROW_FEEDS.includes(feed) || RESTRICTED_FIELDS[feed]?.includes(key)) return RESTRICTED;
  // An illness row coded as HIV disease (B20–B24, Z21) would tell HIV status.
  if (feed === 'illness' && (key === 'disease_code' || key === 'disease_name') && /^(B2[0-4]|Z21)/i.test(String(row.disease_code ?? '').trim())) return RESTRICTED;
  if (feed === 'registry') {
    if (isRestrictedCategory(String(row.category ?? '')) && (key === 'category' || key === 'basis')) return RESTRICTED;
    const parentRestricted = RESTRICTED_PARENT_STATUS.has(String(row.father_status ?? '')) || RESTRICTED_PARENT_STATUS.has(String(row.mother_status ?? ''));
    if (parentRestricted && key === 'basis') return RESTRICTED;
  }
  if ((key === 'father_status' || key === 'mother_status') && RESTRICTED_PARENT_STATUS.has(String(row[key]))) return RESTRICTED;
  // The date a restricted status began tells when the sentence started.
  if ((key === 'father_status_since' || key === 'mother_status_since') && RESTRICTED_PARENT_STATUS.has(String(row[key.replace('_since', '')]))) return RESTRICTED;
  return shown;
}

/** What a role without the grant reads in place of a record of a restricted feed. */
export const RESTRICTED_EVIDENCE = '这条记录涉及限制知悉的信息（刑事、强制措施等），仅对有权限的角色显示。';

/** Whether an evidence item is a record of a restricted feed this user may not see (not even its feed, whose or when). */
export function evidenceHidden(ctx: Ctx, item: { feed: string }): boolean {
  return !canSeeRestricted(ctx) && (RESTRICTED_FEEDS.includes(item.feed) || item.feed === RESTRICTED_CODE);
}

/** The evidence items as this user may know them: a hidden one is only {feed: RESTRICTED} (as in the exports). */
export function visibleEvidence(ctx: Ctx, items: EvidenceItem[]): (EvidenceItem | { feed: typeof RESTRICTED_CODE })[] {
  return items.map((e) => (evidenceHidden(ctx, e) ? { feed: RESTRICTED_CODE } : e));
}

/** What a reviewer reads where the decision form would be, when the flag goes to a role with the grant. */
export const ROUTED_TO_GRANT = '此标记的原因涉及限制知悉的信息，您无法看到判定依据，因此不由您审核：由有权限的主管审核。';

/**
 * Whether this user may not decide the flag because its reason is hidden from them (a reason that
 * tells a criminal record): such a flag is decided by a role with the grant (the supervisor of the
 * area), never confirmed blind.
 */
export function decidedByGrantRole(ctx: Ctx, flag: { reason: string }): boolean {
  return isRestrictedReason(flag.reason) && !canSeeRestricted(ctx);
}

/** SQL predicate on a `reason` column (of `alias`, or unqualified): decidedByGrantRole for this user — such a flag is on a role with the grant's to-do list, not this user's. */
export const decidedByGrantRoleSql = (ctx: Ctx, alias?: string): Sql =>
  canSeeRestricted(ctx) ? sql`FALSE` : sql`list_contains(${textList(RESTRICTED_REASONS)}, ${sql.trusted(alias ? `${alias}.reason` : 'reason')})`;
