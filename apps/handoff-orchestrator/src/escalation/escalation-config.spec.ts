import { fieldErrors } from '@hub/http';
import { EscalationConfigSchema } from './escalation-config';
import { intentPhrase, renderTemplate, shorten } from './handoff-message';

const fields = (input: unknown) => {
  const r = EscalationConfigSchema.safeParse(input);
  return r.success ? [] : fieldErrors(r.error.issues).map((e) => e.field);
};

describe('escalation configuration (PUT /v1/escalation/config)', () => {
  it('{} is valid: every field has a default (seed 003 templates and guardrail block, all paths on)', () => {
    const c = EscalationConfigSchema.parse({});
    expect(c.paths).toEqual({
      form: { enabled: true },
      live_agent: { enabled: true },
      callback: { enabled: true },
    });
    expect(c.templates.handoffMessage).toBe(
      "I'm taking over for the assistant — I see you're trying to {{intent}}.",
    );
    expect(c.rules).toEqual([]);
    expect(c.fallthrough).toEqual(['callback', 'form']);
    expect(c.templates.liveAgentWait).toBe('The average wait is {{estimatedWait}}.');
  });

  it('fallthrough: an order of callback / form, each at most once (400 names `fallthrough`)', () => {
    expect(EscalationConfigSchema.parse({ fallthrough: ['form'] }).fallthrough).toEqual(['form']);
    expect(fields({ fallthrough: ['form', 'callback'] })).toEqual([]);
    expect(fields({ fallthrough: [] })).toEqual(['fallthrough']);
    expect(fields({ fallthrough: ['live_agent'] })).toEqual(['fallthrough.0']);
    expect(fields({ fallthrough: ['form', 'form'] })).toEqual(['fallthrough']);
    expect(fields({ templates: { liveAgentWait: 'Wait: {{estimatedWait}} ({{queue}})' } })).toEqual([
      'templates.liveAgentWait',
    ]);
  });

  it('names the offending field of each mistake', () => {
    expect(fields({ retrieval: { threshold: 2 } })).toEqual(['retrieval.threshold']);
    expect(fields({ detectors: { complaint: { threshold: 'high' } } })).toEqual([
      'detectors.complaint.threshold',
    ]);
    expect(fields({ detectors: { sarcasm: { enabled: true } } })).toEqual(['detectors']);
    expect(
      fields({
        rules: [
          {
            id: 'night',
            kind: 'condition',
            path: 'callback',
            when: { time: { timeZone: 'Europe/Paris', from: '25:00', to: '08:00' } },
          },
        ],
      }),
    ).toEqual(['rules.0.when.time.from']);
    expect(fields({ rules: [{ id: 'r', kind: 'keyword', keywords: ['refund'], path: 'email' }] })).toEqual([
      'rules.0.path',
    ]);
    expect(fields({ templates: { handoffMessage: 'Hi {{customer}}' } })).toEqual([
      'templates.handoffMessage',
    ]);
    expect(fields({ paths: { live_agent: { queueId: 'support' } } })).toEqual(['paths.live_agent.queueId']);
    expect(fields({ scope: { examples: [{ text: 'hi', intent: 'greet' }] } })).toEqual([
      'scope.examples',
      'scope.examples',
    ]); // one intent, and too few examples
  });

  it('renders templates with the detected intent, the customer’s words and name', () => {
    const labels = { change_beneficiary: 'change your beneficiary' };
    expect(intentPhrase('change_beneficiary', labels)).toBe('change your beneficiary');
    expect(intentPhrase('book_hotel', labels)).toBe('book hotel');
    expect(
      renderTemplate("I'm taking over for the assistant — I see you're trying to {{ intent }}.", {
        intent: 'change your beneficiary',
      }),
    ).toBe("I'm taking over for the assistant — I see you're trying to change your beneficiary.");
    expect(
      renderTemplate('Hello {{customerName}} — about "{{lastCustomerMessage}}"', {
        lastCustomerMessage: 'x',
      }),
    ).toBe('Hello — about "x"');
    expect(shorten('word '.repeat(100), 20)).toBe('word word word…');
  });
});
