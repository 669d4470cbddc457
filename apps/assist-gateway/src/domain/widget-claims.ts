import { z } from 'zod';
import { TenantIdSchema, type AssistSuggestion } from '@hub/contracts';

/** Who embeds the widget: the vendor desktop, or our own Agent Desktop (`hub`). */
export const WidgetProviderSchema = z.enum(['8x8', 'five9', 'genesys', 'salesforce', 'ccai', 'hub']);
export type WidgetProvider = z.infer<typeof WidgetProviderSchema>;

/** An interaction id as widget tokens carry it (1–200 characters). */
export const InteractionIdSchema = z.string().min(1).max(200);
const AgentIdSchema = z.string().min(1).max(128);

/** 8x8 Agent Workspace context: interaction id `iid` and/or agent id `aid` (seed 001, 8x8). */
export const EightByEightContextSchema = z.strictObject({
  iid: InteractionIdSchema.optional(),
  aid: AgentIdSchema,
});
/** Five9 ADT context: `callId` and `agentId` (seed 001, Five9). */
export const Five9ContextSchema = z.strictObject({
  callId: InteractionIdSchema,
  agentId: AgentIdSchema,
});
export type EightByEightContext = z.infer<typeof EightByEightContextSchema>;
export type Five9Context = z.infer<typeof Five9ContextSchema>;

/**
 * Custom claims of a widget token (embed token minted for a backend, or session token the gateway
 * hands to a connected/signed-in widget). Registered claims (`iss`, `aud`, `exp`, `iat`, `jti`)
 * are checked by the JWT layer.
 *  - `tid` tenant, `sub` agent id, `provider`;
 *  - `interactionId`: the interaction whose suggestions the widget receives; absent only for an
 *    8x8 agent-only token (`ctx.aid` without `ctx.iid`), resolved at connect time;
 *  - `ctx`: vendor context (8x8 `{iid?, aid}` or Five9 `{callId, agentId}`);
 *  - `use`: `embed` (minted by `POST /v1/embed-tokens` or the CLI) or `session` (issued by the gateway);
 *  - `gid`: vendor grant id — set only by the gateway, on a session issued after the agent signed in
 *    with the vendor (Genesys PKCE); it names the agent's stored vendor token that the desktop actions
 *    use. Embed tokens never carry one (`POST /v1/embed-tokens` cannot set it), so a backend that mints
 *    tokens cannot act in the vendor desktop as an agent.
 */
export const WidgetClaimsSchema = z
  .object({
    tid: TenantIdSchema,
    sub: AgentIdSchema,
    provider: WidgetProviderSchema,
    interactionId: InteractionIdSchema.optional(),
    ctx: z.union([EightByEightContextSchema, Five9ContextSchema]).optional(),
    use: z.enum(['embed', 'session']),
    gid: z
      .string()
      .regex(/^[A-Za-z0-9_-]{22,64}$/)
      .optional(),
  })
  .superRefine((c, ctx) => {
    for (const p of claimProblems(c)) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
    if (c.gid && c.use !== 'session')
      ctx.addIssue({ code: 'custom', path: ['gid'], message: 'only session tokens carry a vendor grant' });
  });
export type WidgetClaims = z.infer<typeof WidgetClaimsSchema>;

/** A rule a token's claims break: the field and why. */
export interface ClaimProblem {
  field: string;
  message: string;
}

function claimProblems(c: {
  provider: WidgetProvider;
  sub: string;
  interactionId?: string;
  ctx?: EightByEightContext | Five9Context;
}): ClaimProblem[] {
  const problems: ClaimProblem[] = [];
  if (c.provider === '8x8') {
    if (!c.ctx || !('aid' in c.ctx))
      problems.push({ field: 'ctx.aid', message: '8x8 tokens need ctx {aid, iid?}' });
    else if (c.ctx.iid && c.interactionId && c.ctx.iid !== c.interactionId)
      problems.push({ field: 'interactionId', message: 'must equal ctx.iid' });
  } else if (c.provider === 'five9') {
    if (!c.ctx || !('callId' in c.ctx))
      problems.push({ field: 'ctx.callId', message: 'Five9 tokens need ctx {callId, agentId}' });
    else {
      if (c.interactionId && c.interactionId !== c.ctx.callId)
        problems.push({ field: 'interactionId', message: 'must equal ctx.callId' });
      if (c.ctx.agentId !== c.sub)
        problems.push({ field: 'ctx.agentId', message: 'must equal the agent id' });
    }
  } else {
    if (c.ctx) problems.push({ field: 'ctx', message: `not allowed for provider ${c.provider}` });
    if (!c.interactionId)
      problems.push({ field: 'interactionId', message: `required for provider ${c.provider}` });
  }
  return problems;
}

/** Vendor context as a caller sends it; checked per provider by {@link embedClaimsFor}. */
export const VendorContextInputSchema = z.strictObject({
  iid: z.string().optional(),
  aid: z.string().optional(),
  callId: z.string().optional(),
  agentId: z.string().optional(),
});

/** Body of `POST /v1/embed-tokens`. `agentId` defaults to 8x8 `ctx.aid` / Five9 `ctx.agentId`. */
export const EmbedTokenRequestSchema = z.strictObject({
  tenantId: TenantIdSchema,
  agentId: AgentIdSchema.optional(),
  provider: WidgetProviderSchema,
  interactionId: InteractionIdSchema.optional(),
  /** 8x8 `{aid, iid?}` or Five9 `{callId, agentId}`; not allowed for other providers. */
  ctx: VendorContextInputSchema.optional(),
  /** Lifetime, seconds (capped by EMBED_TOKEN_MAX_TTL_S). */
  ttlSeconds: z.number().int().min(10).max(86_400).optional(),
});
export type EmbedTokenRequest = z.infer<typeof EmbedTokenRequestSchema>;

function contextFor(
  provider: WidgetProvider,
  ctx: EmbedTokenRequest['ctx'],
): { ok: true; ctx?: EightByEightContext | Five9Context } | { ok: false; problems: ClaimProblem[] } {
  const schema =
    provider === '8x8' ? EightByEightContextSchema : provider === 'five9' ? Five9ContextSchema : null;
  if (!schema) {
    return ctx
      ? { ok: false, problems: [{ field: 'ctx', message: `not allowed for provider ${provider}` }] }
      : { ok: true };
  }
  const r = schema.safeParse(ctx ?? {});
  if (r.success) return { ok: true, ctx: r.data };
  return {
    ok: false,
    problems: r.error.issues.map((i) => ({
      field: ['ctx', ...i.path.map(String)].join('.'),
      message: i.code === 'unrecognized_keys' ? `${i.message} for provider ${provider}` : i.message,
    })),
  };
}

/**
 * Normalises an issuance request into embed-token claims: agent id from the vendor context when not
 * given, 8x8 `iid` / Five9 `callId` as the interaction id, and the per-provider rules checked.
 * @returns the claims, or the problems (field + message) that make the request unusable
 */
export function embedClaimsFor(
  req: EmbedTokenRequest,
): { ok: true; claims: WidgetClaims } | { ok: false; problems: ClaimProblem[] } {
  const c = contextFor(req.provider, req.ctx);
  if (!c.ok) return c;
  const ctx = c.ctx;
  let sub = req.agentId;
  let interactionId = req.interactionId;
  if (ctx && 'aid' in ctx) {
    sub ??= ctx.aid;
    interactionId ??= ctx.iid;
  } else if (ctx && 'callId' in ctx) {
    sub ??= ctx.agentId;
    interactionId ??= ctx.callId;
  }
  if (!sub)
    return { ok: false, problems: [{ field: 'agentId', message: 'required (or ctx.aid / ctx.agentId)' }] };
  const claims: WidgetClaims = {
    tid: req.tenantId,
    sub,
    provider: req.provider,
    use: 'embed',
    ...(interactionId ? { interactionId } : {}),
    ...(ctx ? { ctx } : {}),
  };
  const problems = claimProblems(claims);
  return problems.length ? { ok: false, problems } : { ok: true, claims };
}

/** Where a widget's suggestions come from once connected. */
export type WidgetBinding =
  | { kind: 'interaction'; interactionId: string }
  /** 8x8 widget known only by agent id: follow the agent's current interaction (Redis). */
  | { kind: 'eightByEightAgent'; aid: string };

/** The binding a verified token grants. Never derived from anything but the token. */
export function bindingFor(claims: WidgetClaims): WidgetBinding {
  if (claims.interactionId) return { kind: 'interaction', interactionId: claims.interactionId };
  if (claims.ctx && 'aid' in claims.ctx) {
    if (claims.ctx.iid) return { kind: 'interaction', interactionId: claims.ctx.iid };
    return { kind: 'eightByEightAgent', aid: claims.ctx.aid };
  }
  if (claims.ctx && 'callId' in claims.ctx) return { kind: 'interaction', interactionId: claims.ctx.callId };
  // unreachable for claims that passed WidgetClaimsSchema
  throw new Error('claims grant no interaction');
}

/** URL parameters the vendor desktop put on the widget URL (unsigned; never grant anything). */
export const UrlHintsSchema = z
  .object({
    iid: z.string().max(200),
    aid: z.string().max(128),
    callId: z.string().max(200),
    agentId: z.string().max(128),
    conversationId: z.string().max(200),
    tenant: z.string().max(64),
  })
  .partial();
export type UrlHints = z.infer<typeof UrlHintsSchema>;

/**
 * Unsigned URL parameters may only agree with the token: a parameter that names a different
 * interaction or agent than the token's claims is refused (a tampered or stale widget URL), one
 * the token says nothing about is ignored.
 * @returns the name of the first contradicting parameter, or null
 */
export function contradictingHint(claims: WidgetClaims, hints: UrlHints): keyof UrlHints | null {
  if (hints.tenant && hints.tenant !== claims.tid) return 'tenant';
  const ctx = claims.ctx;
  const fixed = claims.interactionId ?? (ctx && 'iid' in ctx ? ctx.iid : undefined);
  if (hints.iid && fixed && hints.iid !== fixed) return 'iid';
  if (hints.callId && fixed && hints.callId !== fixed) return 'callId';
  if (hints.conversationId && fixed && hints.conversationId !== fixed) return 'conversationId';
  if (hints.aid && ctx && 'aid' in ctx && hints.aid !== ctx.aid) return 'aid';
  if (hints.agentId) {
    const agent = ctx && 'agentId' in ctx ? ctx.agentId : claims.sub;
    if (hints.agentId !== agent) return 'agentId';
  }
  return null;
}

/** Socket.IO room of one tenant's interaction: `t:<tenant>:i:<interactionId>` (tenant slugs have no colon). */
export function interactionRoom(tenantId: string, interactionId: string): string {
  return `t:${tenantId}:i:${interactionId}`;
}

/** What a widget renders for one suggestion (pushed as the `suggestion` event). */
export interface SuggestionView {
  suggestionId: string;
  tenantId: string;
  interactionId: string;
  utteranceId?: string;
  answer: string;
  /** Retrieval confidence in [0, 1]. */
  confidence: number;
  generator: AssistSuggestion['generator'];
  fallbackReason?: string;
  sources: { documentId: string; title: string; score?: number }[];
  /** ISO 8601, when the suggestion was produced. */
  occurredAt: string;
}

/** Maps a `hub.assist.suggestions.v1` event to the widget's view (tenant from the envelope). */
export function toSuggestionView(e: {
  tenantId: string;
  occurredAt: string;
  data: AssistSuggestion;
}): SuggestionView {
  const d = e.data;
  return {
    suggestionId: d.suggestionId,
    tenantId: e.tenantId,
    interactionId: d.interactionId,
    ...(d.utteranceId ? { utteranceId: d.utteranceId } : {}),
    answer: d.answer,
    confidence: d.confidence,
    generator: d.generator,
    ...(d.fallbackReason ? { fallbackReason: d.fallbackReason } : {}),
    sources: toSourceViews(d.sources),
    occurredAt: e.occurredAt,
  };
}

/**
 * The widget's view of a suggestion's (or a first delta's) sources: document id, title and score
 * when present (the knowledge base id is not shown).
 */
export function toSourceViews(sources: AssistSuggestion['sources']): SuggestionView['sources'] {
  return sources.map((s) => ({
    documentId: s.documentId,
    title: s.title,
    ...(s.score !== undefined ? { score: s.score } : {}),
  }));
}

/**
 * Whether a suggestion is too old to push (a replayed or long-delayed event): `occurredAt` more
 * than `maxAgeMs` before `now`.
 */
export function isStale(occurredAt: string, now: Date, maxAgeMs: number): boolean {
  return now.getTime() - Date.parse(occurredAt) > maxAgeMs;
}
