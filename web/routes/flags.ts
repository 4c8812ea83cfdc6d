// One flag: its page /flags/:flagId, GET /api/flags/:flagId (and /trace), and the changes —
// decide, approve (four-eyes), assign, unmask (audited) and bulk decisions.
import { Hono, type Context } from 'hono';
import { appendAudit } from '../../review/index.js';
import { approveFlag, assignFlag, bulkDecide, decideFlag, requireFlag, unmask } from '../actions.js';
import { ctxOf, pageUser, type Ctx, type Env } from '../context.js';
import { REGISTRY_ROLE_FOR } from '../labels.js';
import { flagPage, type EvidenceView } from '../pages.js';
import { compareIdentity, flagDecisions, flagHistory, loadRecord, matchExplanation, parseEvidence, registryRecordOf, type StoredRecord } from '../queries/flag.js';
import type { FlagDetail } from '../queries/queue.js';
import { approveBody, assignBody, bulkBody, decideBody, flagParam, runQuery, unmaskBody } from '../schemas.js';
import { ruleTrace } from '../trace.js';
import { json, params, query } from '../validate.js';

/** Everything the flag page shows; the view is audited. */
async function viewFlag(c: Context<Env>, flagId: string, runId: string | null | undefined) {
  const ctx: Ctx = ctxOf(c);
  const flag = await requireFlag(ctx, flagId, runId);
  await appendAudit(ctx.db, { actor: ctx.user.username, action: 'view', runId: flag.runId, target: flag.flagId, rows: 1, detail: { what: 'flag' } });
  const registry = await registryRecordOf(ctx, flag);
  const evidence: EvidenceView[] = [];
  for (const item of parseEvidence(flag.evidence)) {
    const record = item.batch_id != null && item.src_row != null ? await loadRecord(ctx, item.feed, Number(item.batch_id), Number(item.src_row)) : null;
    evidence.push({ item, record, match: await matchExplanation(ctx, item) });
  }
  return { ctx, flag, registry, evidence, decisions: await flagDecisions(ctx, flag), history: await flagHistory(ctx, flag) };
}

/** The flag as the API gives it: no full ID number, no fingerprint; evidence and parameters as JSON. */
function publicFlag(f: FlagDetail) {
  const { childIdNumber: _full, fingerprint: _fp, evidence, params: p, ...rest } = f;
  return { ...rest, evidence: parseEvidence(evidence), params: JSON.parse(p) as unknown };
}

export const flags = new Hono<Env>();

flags.get('/flags/:flagId', params(flagParam), query(runQuery), async (c) => {
  const v = await viewFlag(c, c.req.valid('param').flagId, c.req.valid('query').run);
  return c.html(flagPage(pageUser(c), v.ctx, v.flag, v.registry, v.evidence, v.decisions, v.history));
});

flags.get('/api/flags/:flagId', params(flagParam), query(runQuery), async (c) => {
  const v = await viewFlag(c, c.req.valid('param').flagId, c.req.valid('query').run);
  // The identity values behind the comparison carry full ID numbers: they stay on the server.
  const strip = (r: StoredRecord | null) => (r ? { ...r, identity: undefined } : null);
  return c.json({
    flag: publicFlag(v.flag),
    registry: strip(v.registry),
    evidence: v.evidence.map((e) => ({
      ...e,
      record: strip(e.record),
      comparison: e.record ? compareIdentity(v.registry, REGISTRY_ROLE_FOR[String(e.item.role)] ?? 'child', e.record, e.record.feed === 'registry' ? 'child' : 'subject') : [],
    })),
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
