import { randomUUID } from 'node:crypto';
import { AmazonConnectConfigSchema, AmazonConnectSecretsSchema } from '@hub/integrations';
import { WebhookRejectedError } from '../../core/target';
import { AmazonConnectContactEventsReceiver, mapConnectContactEvent } from './contact-events.receiver';

const INSTANCE = randomUUID();
const NOW = Date.parse('2026-12-02T10:00:00Z');
const SECRET = 'evb-connection-secret-0123456789';

const integration = (
  contactEvents: Record<string, unknown> | undefined,
  secret: string | undefined = SECRET,
) => ({
  id: randomUUID(),
  tenantId: 't1',
  config: AmazonConnectConfigSchema.parse({
    instanceId: INSTANCE,
    region: 'eu-west-2',
    defaultContactFlowId: randomUUID(),
    ...(contactEvents ? { contactEvents } : {}),
  }),
  secrets: AmazonConnectSecretsSchema.parse(secret ? { contactEventsSecret: secret } : {}),
});

const event = (detail: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Amazon Connect Contact Event',
  source: 'aws.connect',
  account: '123456789012',
  time: new Date(NOW - 1000).toISOString(),
  region: 'eu-west-2',
  resources: [],
  detail: {
    contactId: 'c-1',
    initialContactId: 'c-1',
    channel: 'VOICE',
    instanceArn: `arn:aws:connect:eu-west-2:123456789012:instance/${INSTANCE}`,
    ...detail,
  },
  ...over,
});

describe('Amazon Connect contact events (EventBridge API destination receiver)', () => {
  const receiver = new AmazonConnectContactEventsReceiver(() => NOW);
  const body = (e: unknown) => Buffer.from(JSON.stringify(e));
  const apiKey = integration({ auth: 'api_key', headerName: 'x-hub-connect-events-key' });
  const basic = integration({ auth: 'basic', username: 'eventbridge' });

  it('maps QUEUED / CONNECTED_TO_AGENT / DISCONNECTED to queued / accepted / ended, keyed by contact and event id', async () => {
    const q = event({ eventType: 'QUEUED', queueInfo: { queueArn: 'arn:…/queue/q-9' } });
    const out = await receiver.verifyAndParse(body(q), { 'x-hub-connect-events-key': SECRET }, apiKey);
    expect(out).toEqual([
      {
        externalContactId: 'c-1',
        eventId: `aws-connect-event:${q.id}`,
        event: { kind: 'queued', at: q.time, queue: 'q-9' },
      },
    ]);
    expect(
      mapConnectContactEvent(
        event({ eventType: 'CONNECTED_TO_AGENT', agentInfo: { agentArn: 'arn:…/agent/a-7' } }) as never,
      )[0].event,
    ).toMatchObject({ kind: 'accepted', agent: { id: 'a-7' } });
    const ended = (reason: string) =>
      mapConnectContactEvent(
        event({
          eventType: 'DISCONNECTED',
          disconnectReason: reason,
          agentInfo: { agentArn: 'arn:…/agent/a-7', connectedToAgentTimestamp: '2026-12-02T09:59:00Z' },
        }) as never,
      )[0].event;
    expect(ended('AGENT_DISCONNECT')).toMatchObject({ kind: 'ended', by: 'agent' });
    expect(ended('CUSTOMER_DISCONNECT')).toMatchObject({ kind: 'ended', by: 'customer' });
    expect(ended('CONTACT_FLOW_DISCONNECT')).toMatchObject({ kind: 'ended', by: 'system' });
  });

  it('a call that ends before an agent joined is failed(rejected) naming the reason; other types and chats map to nothing', () => {
    expect(
      mapConnectContactEvent(
        event({ eventType: 'DISCONNECTED', disconnectReason: 'TELECOM_PROBLEM' }) as never,
      )[0].event,
    ).toMatchObject({
      kind: 'failed',
      reason: 'rejected',
      detail: expect.stringContaining('TELECOM_PROBLEM'),
    });
    for (const eventType of [
      'INITIATED',
      'CONNECTED_TO_SYSTEM',
      'CONTACT_DATA_UPDATED',
      'COMPLETED',
      'NEW_TYPE',
    ])
      expect(mapConnectContactEvent(event({ eventType }) as never)).toEqual([]);
    expect(mapConnectContactEvent(event({ eventType: 'QUEUED', channel: 'CHAT' }) as never)).toEqual([]);
  });

  it('transfer legs: keyed by the initial contact; the new leg followed (toLeg); ends carry their leg', () => {
    const leg = (eventType: string, over: Record<string, unknown> = {}) =>
      mapConnectContactEvent(
        event({
          eventType,
          contactId: 'c-2',
          initialContactId: 'c-1',
          previousContactId: 'c-1',
          initiationMethod: 'TRANSFER',
          ...over,
        }) as never,
      );
    expect(leg('INITIATED')).toEqual([
      expect.objectContaining({
        externalContactId: 'c-1',
        event: expect.objectContaining({ kind: 'transferred', toLeg: 'c-2' }),
      }),
    ]);
    expect(leg('INITIATED', { initiationMethod: 'QUEUE_TRANSFER' })[0]?.event).toMatchObject({
      kind: 'transferred',
      toLeg: 'c-2',
    });
    expect(leg('QUEUED')[0]).toMatchObject({ externalContactId: 'c-1', event: { kind: 'queued' } });
    expect(leg('CONNECTED_TO_AGENT')[0]).toMatchObject({
      externalContactId: 'c-1',
      event: { kind: 'accepted' },
    });
    expect(
      leg('DISCONNECTED', {
        disconnectReason: 'AGENT_DISCONNECT',
        agentInfo: { agentArn: 'arn:aws:connect:x:1:instance/i/agent/a-2' },
      })[0],
    ).toMatchObject({ externalContactId: 'c-1', event: { kind: 'ended', by: 'agent', leg: 'c-2' } });
    // the first leg's own INITIATED is no transfer
    expect(mapConnectContactEvent(event({ eventType: 'INITIATED' }) as never)).toEqual([]);
  });

  it('verifies the connection header: API key or Basic, constant-time; missing / wrong / unconfigured → rejected', async () => {
    const e = body(event({ eventType: 'QUEUED' }));
    const reason = async (p: Promise<unknown>) => {
      try {
        await p;
        return 'accepted';
      } catch (err) {
        return err instanceof WebhookRejectedError ? err.reason : String(err);
      }
    };
    const basicHeader = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    expect(await reason(receiver.verifyAndParse(e, { 'X-Hub-Connect-Events-Key': SECRET }, apiKey))).toBe(
      'accepted',
    );
    expect(await reason(receiver.verifyAndParse(e, {}, apiKey))).toBe('signature');
    expect(
      await reason(receiver.verifyAndParse(e, { 'x-hub-connect-events-key': `${SECRET}x` }, apiKey)),
    ).toBe('signature');
    expect(
      await reason(receiver.verifyAndParse(e, { authorization: basicHeader('eventbridge', SECRET) }, basic)),
    ).toBe('accepted');
    expect(
      await reason(receiver.verifyAndParse(e, { authorization: basicHeader('other', SECRET) }, basic)),
    ).toBe('signature');
    expect(
      await reason(
        receiver.verifyAndParse(e, { 'x-hub-connect-events-key': SECRET }, integration(undefined)),
      ),
    ).toBe('not_configured');
    expect(
      await reason(
        receiver.verifyAndParse(
          e,
          { 'x-hub-connect-events-key': SECRET },
          integration({ auth: 'api_key' }, ''),
        ),
      ),
    ).toBe('not_configured');
  });

  it('refuses malformed bodies, other instances and events older than EventBridge retries', async () => {
    const h = { 'x-hub-connect-events-key': SECRET };
    const reason = (b: Buffer) =>
      receiver.verifyAndParse(b, h, apiKey).then(
        () => 'accepted',
        (err: WebhookRejectedError) => err.reason,
      );
    expect(await reason(Buffer.from('not json'))).toBe('malformed');
    expect(await reason(body({ ...event({ eventType: 'QUEUED' }), source: 'aws.other' }))).toBe('malformed');
    expect(
      await reason(
        body(
          event({ eventType: 'QUEUED', instanceArn: `arn:aws:connect:eu-west-2:1:instance/${randomUUID()}` }),
        ),
      ),
    ).toBe('instance');
    expect(
      await reason(
        body(event({ eventType: 'QUEUED' }, { time: new Date(NOW - 25 * 3600_000).toISOString() })),
      ),
    ).toBe('stale');
  });

  it('config: basic auth needs a username; the secret is at least 24 characters', () => {
    expect(
      AmazonConnectConfigSchema.safeParse({
        instanceId: INSTANCE,
        region: 'eu-west-2',
        defaultContactFlowId: randomUUID(),
        contactEvents: { auth: 'basic' },
      }).error?.issues[0].path,
    ).toEqual(['contactEvents', 'username']);
    expect(AmazonConnectSecretsSchema.safeParse({ contactEventsSecret: 'short' }).success).toBe(false);
  });
});
