import { randomUUID } from 'node:crypto';
import { createTestWorld, type TestWorld } from '@hub/testing';
import type { ForwardUtteranceAck } from '../src/forwarding/usecases/forward-utterance.usecase';
import {
  connectWidget,
  mintToken,
  startGateway,
  type RunningGateway,
  type TestWidget,
} from './support/harness';

jest.setTimeout(60_000);

describe('per-widget limit on forwarded chat lines, shared by two gateway replicas (Redis)', () => {
  let world: TestWorld;
  let a: RunningGateway;
  let b: RunningGateway;
  const widgets: TestWidget[] = [];

  beforeAll(async () => {
    world = await createTestWorld();
    const env = { WIDGET_UTTERANCE_RATE_LIMIT: '3', WIDGET_UTTERANCE_RATE_WINDOW_S: '60' };
    a = await startGateway(world, env);
    b = await startGateway(world, env);
  });

  afterAll(async () => {
    for (const w of widgets) w.socket.close();
    await a?.app.close();
    await b?.app.close();
    await world?.drop();
  });

  async function widget(gw: RunningGateway, agentId: string): Promise<TestWidget> {
    const token = await mintToken(a, {
      tenantId: 'acme',
      provider: 'salesforce',
      agentId,
      interactionId: 'int-R1',
    });
    const w = await connectWidget(gw.url, { token });
    widgets.push(w);
    return w;
  }
  const forward = (w: TestWidget, text: string) =>
    w.socket.timeout(20_000).emitWithAck('utterance', {
      speaker: 'customer',
      text,
      messageId: `m-${randomUUID()}`,
    }) as Promise<ForwardUtteranceAck>;

  it('the 4th line of one widget is refused on either replica with retryAfterSeconds; another widget is unaffected', async () => {
    const onA = await widget(a, 'sf-agent-rl');
    const onB = await widget(b, 'sf-agent-rl'); // the same widget reconnected to the other replica
    const acks = [
      await forward(onA, 'Is there free parking at the Acorn Guest House?'),
      await forward(onB, 'Do they allow pets?'),
      await forward(onA, 'What time is check-in?'),
      await forward(onB, 'And check-out?'),
    ];
    expect(acks.map((x) => x.ok)).toEqual([true, true, true, false]);
    const refused = acks[3];
    expect(refused).toMatchObject({ ok: false, reason: 'rate_limited' });
    if (!refused.ok) {
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
    const other = await widget(b, 'sf-agent-other');
    expect((await forward(other, 'Is breakfast included?')).ok).toBe(true);
  });
});
