import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EscalationConfigSchema } from './escalation-config';
import { buildToolManifest, TOOL_NAME_PATTERN, type OpenAiTool } from './tool-manifest';

/**
 * OpenAI's function-calling contract: `{type: "function", function: {name, description?, parameters}}`, the name
 * matching ^[a-zA-Z0-9_-]{1,64}$ and `parameters` a JSON Schema object. Each schema is compiled by Ajv (strict
 * mode, draft 2020-12, formats), and sample calls are validated against it.
 */
function assertOpenAiTool(t: OpenAiTool, ajv: Ajv2020) {
  expect(Object.keys(t)).toEqual(['type', 'function']);
  expect(t.type).toBe('function');
  expect(t.function.name).toMatch(TOOL_NAME_PATTERN);
  expect(typeof t.function.description).toBe('string');
  expect(t.function.parameters).toMatchObject({ type: 'object', additionalProperties: false });
  return ajv.compile(t.function.parameters);
}

describe('tool manifest (GET /v1/escalation/tools)', () => {
  const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true, strictTypes: false }));

  it('defines the four tools of seed 003 as valid OpenAI function definitions, with the guardrail block', () => {
    const m = buildToolManifest(EscalationConfigSchema.parse({}));
    expect(m.tools.map((t) => t.function.name)).toEqual([
      'send_secure_form',
      'transfer_to_human',
      'propose_callback_slots',
      'schedule_callback',
    ]);
    const validate = Object.fromEntries(m.tools.map((t) => [t.function.name, assertOpenAiTool(t, ajv)]));
    expect(
      validate.transfer_to_human({ decision_id: 'd-1', summary: 'Wants to change the beneficiary' }),
    ).toBe(true);
    expect(validate.transfer_to_human({ summary: 'no decision' })).toBe(false);
    expect(validate.transfer_to_human({ decision_id: 'd', summary: 's', unknown: 1 })).toBe(false);
    expect(
      validate.schedule_callback({ customer_id: 'c1', slot_start: '2026-12-02T14:00:00Z', channel: 'voice' }),
    ).toBe(true);
    expect(validate.schedule_callback({ customer_id: 'c1', slot_start: 'tomorrow', channel: 'voice' })).toBe(
      false,
    );
    expect(validate.propose_callback_slots({ customer_id: 'c1', channel: 'fax' })).toBe(false);
    expect(
      validate.send_secure_form({ template_id: 'address', prefilled_data: { name: 'Ann', policy: 12 } }),
    ).toBe(true);
    expect(m.guardrailPrompt).toMatch(/^When you encounter a request that is sensitive, complex/);
    expect(m.guardrailPrompt).toMatch(/Always present all three; let the customer choose\.$/);
    expect(m.bindings.find((b) => b.tool === 'transfer_to_human')).toMatchObject({ path: '/v1/handoffs' });
    expect(m.bindings.find((b) => b.tool === 'send_secure_form')).toMatchObject({
      status: 'hub',
      method: 'POST',
      path: '/v1/forms/links',
    });
  });

  it('per tenant: disabled paths drop their tools; the guardrail block and form template are the tenant’s', () => {
    const m = buildToolManifest(
      EscalationConfigSchema.parse({
        paths: { callback: { enabled: false }, form: { templateId: 'beneficiary-change' } },
        guardrailPrompt: 'Never guess a policy.',
      }),
    );
    expect(m.tools.map((t) => t.function.name)).toEqual(['send_secure_form', 'transfer_to_human']);
    expect(m.guardrailPrompt).toBe('Never guess a policy.');
    const form = m.tools[0].function.parameters as { properties: { template_id: { default: string } } };
    expect(form.properties.template_id.default).toBe('beneficiary-change');
    for (const t of m.tools) assertOpenAiTool(t, ajv);
  });

  it('the check is not vacuous: a bad name or a broken schema fails it', () => {
    const bad: OpenAiTool = {
      type: 'function',
      function: { name: 'transfer to human', description: '', parameters: { type: 'object' } },
    };
    expect(() => assertOpenAiTool(bad, ajv)).toThrow();
    expect(() => ajv.compile({ type: 'object', properties: { a: { type: 'strnig' } } })).toThrow();
  });
});
