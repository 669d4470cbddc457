import { agentRoom, parseAgentChannel } from './agent-channel';
import { EventDeduper } from './event-deduper';
import { checkUpload, customerFileUrlProblem, safeFileName } from './file-policy';
import { buildTimeline } from './timeline';
import type { ConversationMessage } from '@hub/contracts';

describe('EventDeduper', () => {
  it('passes an event once per recipient and forgets beyond its capacity', () => {
    const d = new EventDeduper(100);
    expect(d.firstSeen('acme:a1', 'e1')).toBe(true);
    expect(d.firstSeen('acme:a1', 'e1')).toBe(false);
    expect(d.firstSeen('acme:a2', 'e1')).toBe(true);
    const small = new EventDeduper(100);
    small.firstSeen('r', 'old');
    for (let i = 0; i < 100; i++) small.firstSeen('r', `e${i}`);
    expect(small.firstSeen('r', 'old')).toBe(true);
  });
});

describe('parseAgentChannel', () => {
  it('reads tenant and agent (agent ids may contain colons)', () => {
    expect(parseAgentChannel('hub:t:acme:agent:agent-1')).toEqual({ tenantId: 'acme', agentId: 'agent-1' });
    expect(parseAgentChannel('hub:t:acme:agent:sip:7')).toEqual({ tenantId: 'acme', agentId: 'sip:7' });
    expect(parseAgentChannel('hub:gw:t:acme:agent:a', 'hub:gw:t:')).toEqual({
      tenantId: 'acme',
      agentId: 'a',
    });
    expect(parseAgentChannel('hub:t:acme:queue:q')).toBeNull();
    expect(parseAgentChannel('other:acme:agent:a')).toBeNull();
    expect(parseAgentChannel('hub:t:acme:agent:')).toBeNull();
    expect(agentRoom({ tenantId: 'acme', agentId: 'a' })).not.toBe(
      agentRoom({ tenantId: 'globex', agentId: 'a' }),
    );
  });
});

describe('checkUpload', () => {
  const policy = { maxBytes: 1000, allowedTypes: ['text/plain', 'image/png'] };
  it('accepts allowed types within the size limit, ignoring parameters', () => {
    expect(checkUpload({ sizeBytes: 1000, contentType: 'text/plain; charset=utf-8' }, policy)).toBeNull();
  });
  it('refuses too large (413), wrong type (415) and empty (400), naming the limit', () => {
    expect(checkUpload({ sizeBytes: 1001, contentType: 'text/plain' }, policy)).toEqual({
      status: 413,
      message: expect.stringContaining('1000 bytes'),
    });
    const t = checkUpload({ sizeBytes: 10, contentType: 'application/x-msdownload' }, policy);
    expect(t?.status).toBe(415);
    expect(t?.message).toContain('text/plain, image/png');
    expect(checkUpload({ sizeBytes: 0, contentType: 'text/plain' }, policy)?.status).toBe(400);
  });
  it('makes file names safe', () => {
    expect(safeFileName('../../etc/passwd')).toBe('.._.._etc_passwd');
    expect(safeFileName('  ')).toBe('file');
  });
});

describe('buildTimeline', () => {
  const msg = (
    id: string,
    sentAt: string,
    kind: ConversationMessage['kind'] = 'text',
  ): ConversationMessage => ({
    conversationId: 'c',
    messageId: id,
    direction: 'inbound',
    sender: { role: 'customer' },
    kind,
    text: id,
    sentAt,
  });
  it('puts the bot transcript first, then live messages by time, without typing indicators', () => {
    const t = buildTimeline(
      [{ role: 'user', text: 'hi', timestamp: '2026-01-01T10:00:00.000Z' }],
      [
        msg('b', '2026-01-01T10:05:00.000Z'),
        msg('a', '2026-01-01T10:04:00.000Z'),
        msg('t', '2026-01-01T10:04:30.000Z', 'typing'),
      ],
    );
    expect(t.map((e) => (e.source === 'bot_transcript' ? e.text : e.message.messageId))).toEqual([
      'hi',
      'a',
      'b',
    ]);
  });
});

describe('customerFileUrlProblem', () => {
  it('accepts https links and names file.url for anything else', () => {
    expect(customerFileUrlProblem('https://files.example.com/receipt.pdf')).toBeNull();
    expect(customerFileUrlProblem('http://files.example.com/receipt.pdf')).toBe(
      'file.url: must be an https:// URL, not http:',
    );
    expect(customerFileUrlProblem('javascript:alert(1)')).toBe(
      'file.url: must be an https:// URL, not javascript:',
    );
    expect(customerFileUrlProblem('/relative/path')).toBe('file.url: must be an absolute https:// URL');
  });
});
