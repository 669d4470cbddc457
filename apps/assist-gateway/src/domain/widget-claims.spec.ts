import {
  WidgetClaimsSchema,
  bindingFor,
  contradictingHint,
  embedClaimsFor,
  interactionRoom,
  isStale,
  toSuggestionView,
  type WidgetClaims,
} from './widget-claims';
import { parseEightByEightAgentChannel } from './eight-by-eight';

describe('embedClaimsFor', () => {
  it('8x8 agent-only: agent id from ctx.aid, no interaction id', () => {
    const r = embedClaimsFor({ tenantId: 'acme', provider: '8x8', ctx: { aid: 'agent-7' } });
    expect(r).toEqual({
      ok: true,
      claims: { tid: 'acme', sub: 'agent-7', provider: '8x8', use: 'embed', ctx: { aid: 'agent-7' } },
    });
  });

  it('8x8 with iid: the interaction is the iid', () => {
    const r = embedClaimsFor({ tenantId: 'acme', provider: '8x8', ctx: { aid: 'a', iid: 'int-1' } });
    expect(r.ok && r.claims.interactionId).toBe('int-1');
  });

  it('Five9: agent from ctx.agentId, interaction from callId', () => {
    const r = embedClaimsFor({
      tenantId: 'acme',
      provider: 'five9',
      ctx: { callId: '300001', agentId: '1234' },
    });
    expect(r.ok && r.claims).toMatchObject({ sub: '1234', interactionId: '300001' });
  });

  it('names the missing vendor context field', () => {
    expect(embedClaimsFor({ tenantId: 'acme', provider: 'five9', ctx: { callId: 'c' } })).toEqual({
      ok: false,
      problems: [expect.objectContaining({ field: 'ctx.agentId' })],
    });
    expect(embedClaimsFor({ tenantId: 'acme', provider: '8x8', agentId: 'x' })).toEqual({
      ok: false,
      problems: [expect.objectContaining({ field: 'ctx.aid' })],
    });
  });

  it('refuses a vendor context for providers that have none, and requires their interaction id', () => {
    const withCtx = embedClaimsFor({ tenantId: 'acme', provider: 'hub', agentId: 'a', ctx: { aid: 'a' } });
    expect(!withCtx.ok && withCtx.problems[0].field).toBe('ctx');
    const noInteraction = embedClaimsFor({ tenantId: 'acme', provider: 'salesforce', agentId: 'a' });
    expect(!noInteraction.ok && noInteraction.problems[0].field).toBe('interactionId');
  });

  it('refuses an interaction id that contradicts the vendor context', () => {
    const r = embedClaimsFor({
      tenantId: 'acme',
      provider: 'five9',
      interactionId: 'other',
      ctx: { callId: 'c1', agentId: 'a' },
    });
    expect(!r.ok && r.problems.map((p) => p.field)).toEqual(['interactionId']);
  });
});

describe('WidgetClaimsSchema', () => {
  it('rejects claims a verifier could be fooled by (8x8 without aid, hub without interaction)', () => {
    expect(
      WidgetClaimsSchema.safeParse({ tid: 'acme', sub: 'a', provider: '8x8', use: 'embed' }).success,
    ).toBe(false);
    expect(
      WidgetClaimsSchema.safeParse({ tid: 'acme', sub: 'a', provider: 'hub', use: 'embed' }).success,
    ).toBe(false);
    expect(
      WidgetClaimsSchema.safeParse({
        tid: 'ACME!',
        sub: 'a',
        provider: 'hub',
        interactionId: 'i',
        use: 'embed',
      }).success,
    ).toBe(false);
  });
});

describe('WidgetClaimsSchema gid (vendor grant id)', () => {
  const base = { tid: 'acme', sub: 'user-1', provider: 'genesys', interactionId: 'conv-1' } as const;
  it('is accepted on session tokens only, and only as a 22–64 character url-safe id', () => {
    const gid = 'AbCdEfGhIjKlMnOpQrStUv';
    expect(WidgetClaimsSchema.safeParse({ ...base, use: 'session', gid }).success).toBe(true);
    const embed = WidgetClaimsSchema.safeParse({ ...base, use: 'embed', gid });
    expect(embed.success).toBe(false);
    expect(embed.error?.issues.map((i) => i.path.join('.'))).toContain('gid');
    expect(WidgetClaimsSchema.safeParse({ ...base, use: 'session', gid: 'short' }).success).toBe(false);
    expect(WidgetClaimsSchema.safeParse({ ...base, use: 'session', gid: `${gid}/..` }).success).toBe(false);
  });
});

describe('bindingFor', () => {
  it('fixed interaction from interactionId, 8x8 iid or Five9 callId; agent-follow for 8x8 aid only', () => {
    const base = { tid: 'acme', sub: 'a', use: 'embed' } as const;
    expect(bindingFor({ ...base, provider: 'hub', interactionId: 'i1' })).toEqual({
      kind: 'interaction',
      interactionId: 'i1',
    });
    expect(bindingFor({ ...base, provider: '8x8', ctx: { aid: 'a', iid: 'i2' } })).toEqual({
      kind: 'interaction',
      interactionId: 'i2',
    });
    expect(bindingFor({ ...base, provider: 'five9', ctx: { callId: 'c', agentId: 'a' } })).toEqual({
      kind: 'interaction',
      interactionId: 'c',
    });
    expect(bindingFor({ ...base, provider: '8x8', ctx: { aid: 'a' } })).toEqual({
      kind: 'eightByEightAgent',
      aid: 'a',
    });
  });
});

describe('contradictingHint', () => {
  const eight: WidgetClaims = { tid: 'acme', sub: 'a1', provider: '8x8', use: 'embed', ctx: { aid: 'a1' } };
  const five9: WidgetClaims = {
    tid: 'acme',
    sub: '1234',
    provider: 'five9',
    use: 'embed',
    interactionId: 'c1',
    ctx: { callId: 'c1', agentId: '1234' },
  };

  it('accepts hints that agree or that the token says nothing about', () => {
    expect(contradictingHint(eight, { aid: 'a1', iid: 'anything' })).toBeNull();
    expect(contradictingHint(five9, { callId: 'c1', agentId: '1234', tenant: 'acme' })).toBeNull();
    expect(contradictingHint(five9, {})).toBeNull();
  });

  it('names the first hint that contradicts the token', () => {
    expect(contradictingHint(eight, { aid: 'a2' })).toBe('aid');
    expect(contradictingHint(five9, { callId: 'c2' })).toBe('callId');
    expect(contradictingHint(five9, { agentId: '999' })).toBe('agentId');
    expect(contradictingHint(five9, { tenant: 'globex' })).toBe('tenant');
    expect(contradictingHint({ ...five9, provider: 'hub', ctx: undefined }, { iid: 'x' })).toBe('iid');
  });
});

describe('rooms, views, staleness, channel names', () => {
  it('room names carry the tenant', () => {
    expect(interactionRoom('acme', 'i:1')).toBe('t:acme:i:i:1');
    expect(interactionRoom('acme', 'x')).not.toBe(interactionRoom('globex', 'x'));
  });

  it('maps a suggestion event to the widget view with the envelope tenant', () => {
    const view = toSuggestionView({
      tenantId: 'acme',
      occurredAt: '2026-11-21T10:00:00.000Z',
      data: {
        suggestionId: '6f1c1c1e-0d4b-4c86-9b5e-3d0c8f6b8a01',
        interactionId: 'int-1',
        answer: 'Reset the router.',
        sources: [
          {
            documentId: 'kb-1',
            title: 'Router',
            score: 2.5,
            knowledgeBaseId: '6f1c1c1e-0d4b-4c86-9b5e-3d0c8f6b8a02',
          },
        ],
        confidence: 0.8,
        generator: 'extractive',
        timings: { retrievalMs: 1, generationMs: 1, totalMs: 2 },
      },
    });
    expect(view).toEqual({
      suggestionId: '6f1c1c1e-0d4b-4c86-9b5e-3d0c8f6b8a01',
      tenantId: 'acme',
      interactionId: 'int-1',
      answer: 'Reset the router.',
      confidence: 0.8,
      generator: 'extractive',
      sources: [{ documentId: 'kb-1', title: 'Router', score: 2.5 }],
      occurredAt: '2026-11-21T10:00:00.000Z',
    });
  });

  it('isStale compares occurredAt with now (ms)', () => {
    const now = new Date('2026-11-21T10:05:00.000Z');
    expect(isStale('2026-11-21T10:00:00.000Z', now, 300_000)).toBe(false);
    expect(isStale('2026-11-21T09:59:59.999Z', now, 300_000)).toBe(true);
  });

  it('parses 8x8 agent channel names', () => {
    expect(parseEightByEightAgentChannel('hub:t:acme:8x8-agent:agent:7')).toEqual({
      tenantId: 'acme',
      aid: 'agent:7',
    });
    expect(parseEightByEightAgentChannel('hub:t:acme:agent:7')).toBeNull();
  });
});
