// One flag: its page /flags/:flagId, GET /api/flags/:flagId (and /trace), and the changes —
// decide, approve (four-eyes), assign, unmask (audited) and bulk decisions.
import { Hono, type Context } from 'hono';
import { appendAudit } from '../../review/index.js';
import { approveFlag, assignFlag, bulkDecide, decideFlag, requireFlag, unmask } from '../actions.js';
import { ctxOf, pageUser, type Ctx, type Env } from '../context.js';
import { REGISTRY_ROLE_FOR } from '../labels.js';
import { flagPage, type EvidenceView, type FlagView } from '../pages.js';
import { evidenceHidden, visibleEvidence } from '../privacy.js';
import {
  childSchoolRecord, compareIdentity, flagDecisions, flagHistory, loadRecord, matchExplanation, parseEvidence, recordFacts, registryRecordOf, rosterStanding, type StoredRecord,
} from '../queries/flag.js';
import type { FlagDetail } from '../queries/queue.js';
import { approveBody, assignBody, bulkBody, decideBody, flagParam, runQuery, unmaskBody } from '../schemas.js';
import { ruleTrace } from '../trace.js';
import { json, params, query } from '../validate.js';

const same = (a: StoredRecord | null, b: StoredRecord | null) => !!a && !!b && a.feed === b.feed && a.batchId === b.batchId && a.srcRow === b.srcRow;

/**
 * Everything the flag page shows; the view is audited. Each evidence record comes with the facts
 * the rule read (recordFacts) and the identity comparison with the reference record: the registry
 * row, or for a child not on the roll (an ADD) the child's own school record, whose guardians
 * stand for the parents. A record this user may not see (need-to-know) is not even loaded.
 */
async function viewFlag(c: Context<Env>, flagId: string, runId: string | null | undefined): Promise<FlagView> {
  const ctx: Ctx = ctxOf(c);
  const flag = await requireFlag(ctx, flagId, runId);
  await appendAudit(ctx.db, { actor: ctx.user.username, action: 'view', runId: flag.runId, target: flag.flagId, rows: 1, detail: { what: 'flag' } });
  const registry = await registryRecordOf(ctx, flag);
  const onRoll = registry !== null && flag.flag !== 'ADD';
  // (An EDUCATION flag's school record, if any, is its evidence: 辍学.)
  const school = onRoll ? null : await childSchoolRecord(ctx, flag);
  const reference = onRoll ? registry : (school ?? registry);
  const evidence: EvidenceView[] = [];
  for (const item of parseEvidence(flag.evidence)) {
    if (evidenceHidden(ctx, item)) {
      evidence.push({ item, hidden: true, record: null, match: null, facts: [], comparison: [], referenceRole: '' });
      continue;
    }
    const record = await loadRecord(ctx, item.feed, Number(item.batch_id), Number(item.src_row));
    // The registry row and the school record are shown on their own.
    if (same(record, registry) || same(record, school)) continue;
    const role = String(item.role ?? 'subject');
    const subject = record?.feed === 'registry' ? 'child' : 'subject';
    const referenceRole = REGISTRY_ROLE_FOR[role] ?? (reference?.feed === 'enrollment' ? 'subject' : 'child');
    evidence.push({
      item,
      hidden: false,
      record,
      match: await matchExplanation(ctx, item),
      facts: record ? recordFacts(record, subject, flag, item) : [],
      comparison: record ? compareIdentity(reference, referenceRole, record, subject) : [],
      referenceRole,
    });
  }
  return {
    ctx,
    flag,
    registry,
    // A flag that rests on the registry row alone (未入学, 年满18周岁) used the child's birth date.
    registryFacts: registry ? recordFacts(registry, '', flag, evidence.length ? null : { date: registry.fields.find((f) => f.key === 'birth_date')?.iso ?? null }) : [],
    school,
    schoolFacts: school ? recordFacts(school, '', flag, null) : [],
    reference,
    // How the linkage tied the registry row to the child's other records (need-to-know filtered: a link to an hiv record only with the grant).
    registryMatch: registry ? await matchExplanation(ctx, { feed: 'registry', batch_id: registry.batchId, src_row: registry.srcRow }) : null,
    standing: flag.flag === 'ADD' ? await rosterStanding(ctx, flag, registry, school) : null,
    evidence,
    decisions: await flagDecisions(ctx, flag),
    history: await flagHistory(ctx, flag),
  };
}

/** The flag as the API gives it: no full ID number, no fingerprint; evidence (as this user may know it) and parameters as JSON. */
function publicFlag(ctx: Ctx, f: FlagDetail) {
  const { childIdNumber: _full, fingerprint: _fp, evidence, params: p, ...rest } = f;
  return { ...rest, evidence: visibleEvidence(ctx, parseEvidence(evidence)), params: JSON.parse(p) as unknown };
}

export const flags = new Hono<Env>();

flags.get('/flags/:flagId', params(flagParam), query(runQuery), async (c) => {
  const v = await viewFlag(c, c.req.valid('param').flagId, c.req.valid('query').run);
  return c.html(flagPage(pageUser(c), v));
});

flags.get('/api/flags/:flagId', params(flagParam), query(runQuery), async (c) => {
  const v = await viewFlag(c, c.req.valid('param').flagId, c.req.valid('query').run);
  // The identity values behind the comparison carry full ID numbers: they stay on the server.
  const strip = (r: StoredRecord | null) => (r ? { ...r, identity: undefined } : null);
  return c.json({
    flag: publicFlag(v.ctx, v.flag),
    registry: strip(v.registry),
    registryMatch: v.registryMatch,
    school: strip(v.school),
    standing: v.standing,
    evidence: v.evidence.map((e) => (e.hidden ? { item: { feed: 'RESTRICTED' }, hidden: true } : { ...e, record: strip(e.record) })),
    decisions: v.decisions,
    history: v.history,
  });
});

flags.get('/api/flags/:flagId/trace', params(flagParam), query(runQuery), async (c) => {
  const ctx = ctxOf(c);
  const flag = await requireFlag(ctx, c.req.valid('param').flagId, c.req.valid('query').run);
  return c.json(await ruleTrace(ctx, flag));
});

flags.post('/api/flags/bulk', json(bulkBody), async (c) => {
  const done = await bulkDecide(ctxOf(c), c.req.valid('json'));
  return c.json({ ok: true, decided: done.length, decisions: done });
});

flags.post('/api/flags/:flagId/decide', params(flagParam), json(decideBody), async (c) => {
  const d = await decideFlag(ctxOf(c), c.req.valid('param').flagId, c.req.valid('json'));
  return c.json({ ok: true, decision: d });
});

flags.post('/api/flags/:flagId/approve', params(flagParam), json(approveBody), async (c) => {
  return c.json({ ok: true, decision: await approveFlag(ctxOf(c), c.req.valid('param').flagId, c.req.valid('json')) });
});

flags.post('/api/flags/:flagId/assign', params(flagParam), json(assignBody), async (c) => {
  return c.json({ ok: true, ...(await assignFlag(ctxOf(c), c.req.valid('param').flagId, c.req.valid('json'))) });
});

flags.post('/api/flags/:flagId/unmask', params(flagParam), json(unmaskBody), async (c) => {
  return c.json(await unmask(ctxOf(c), c.req.valid('param').flagId, c.req.valid('json')));
});
