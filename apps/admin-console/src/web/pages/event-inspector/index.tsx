import { useState, type FormEvent } from 'react';
import { Badge, Button, Code, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { ApiError, api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { AsyncView, DataTable } from '../../components/DataTable';
import { EmptyState } from '../../components/states';

interface ObservedEvent {
  topic: string;
  partition: number;
  offset: string;
  eventId: string | null;
  type: string | null;
  source: string | null;
  correlationId: string | null;
  loggedAt: string;
  data: unknown;
}
interface DeadLetter extends ObservedEvent {
  dlqTopic: string;
  originalTopic: string;
  reason: string;
  error: string | null;
  failedAt: string;
  redrive: { status: 'pending' | 'done'; requestedBy: string; redrivenAt: string | null } | null;
}

function DeadLetters({ conversationId }: { conversationId: string }) {
  const q = conversationId ? `?conversationId=${encodeURIComponent(conversationId)}` : '';
  const list = useApi(() => api.get<{ items: DeadLetter[] }>('ops', `/v1/ops/dead-letters${q}`), [q]);
  const [status, setStatus] = useState('');

  async function redrive(d: DeadLetter) {
    setStatus('');
    try {
      const r = await api.post<{ outcome: string }>('ops', '/v1/ops/dead-letters/redrive', {
        dlqTopic: d.dlqTopic,
        partition: d.partition,
        offset: d.offset,
      });
      setStatus(
        r.outcome === 'redriven'
          ? `Redriven to ${d.originalTopic}.`
          : 'Already redriven earlier — nothing sent again.',
      );
      list.reload();
    } catch (e) {
      setStatus(`Redrive failed: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  }

  return (
    <Stack>
      <Title order={2} size="h4">
        Dead letters
      </Title>
      <Text role="status" size="sm">
        {status}
      </Text>
      <AsyncView
        state={list}
        loadingLabel="Loading dead letters…"
        errorTitle="Dead letters could not be loaded"
        isEmpty={(d) => d.items.length === 0}
        empty={<EmptyState title="No dead letters">Every message of this tenant was processed.</EmptyState>}
      >
        {(d) => (
          <DataTable
            testId="dead-letters"
            rows={d.items}
            rowKey={(x) => `${x.dlqTopic}/${x.partition}/${x.offset}`}
            rowProps={(x) => ({ 'data-event-id': x.eventId ?? '' })}
            columns={[
              { header: 'Failed', cell: (x) => new Date(x.failedAt).toLocaleString() },
              { header: 'Topic', cell: (x) => x.originalTopic },
              { header: 'Conversation', cell: (x) => x.correlationId ?? '—' },
              {
                header: 'Reason',
                cell: (x) => (
                  <>
                    <Badge color="red.8">{x.reason}</Badge> <Text size="sm">{x.error}</Text>
                  </>
                ),
              },
              {
                header: 'Action',
                cell: (x) =>
                  x.redrive?.status === 'done' ? (
                    <Text size="sm">Redriven by {x.redrive.requestedBy}</Text>
                  ) : (
                    <Button size="xs" onClick={() => void redrive(x)}>
                      Redrive
                    </Button>
                  ),
              },
            ]}
          />
        )}
      </AsyncView>
    </Stack>
  );
}

function ConversationEvents({ conversationId }: { conversationId: string }) {
  const list = useApi(
    () =>
      api.get<{ events: ObservedEvent[] }>(
        'ops',
        `/v1/ops/conversations/${encodeURIComponent(conversationId)}/events`,
      ),
    [conversationId],
  );
  return (
    <Stack>
      <Title order={2} size="h4">
        Events of {conversationId}
      </Title>
      <AsyncView
        state={list}
        loadingLabel="Loading events…"
        errorTitle="Events could not be loaded"
        isEmpty={(d) => d.events.length === 0}
        empty={<EmptyState title="No events">No recent event of this conversation on any topic.</EmptyState>}
      >
        {(d) => (
          <DataTable
            testId="conversation-events"
            rows={d.events}
            rowKey={(e) => `${e.topic}/${e.partition}/${e.offset}`}
            columns={[
              { header: 'Logged', cell: (e) => new Date(e.loggedAt).toLocaleTimeString() },
              { header: 'Topic', cell: (e) => e.topic },
              { header: 'Type', cell: (e) => e.type ?? '—' },
              { header: 'Source', cell: (e) => e.source ?? '—' },
              { header: 'Data', cell: (e) => <Code block>{JSON.stringify(e.data).slice(0, 300)}</Code> },
            ]}
          />
        )}
      </AsyncView>
    </Stack>
  );
}

/**
 * Operations › Event inspector (issue 15): recent events of a conversation across all topics, the tenant's
 * dead-lettered messages with their reason, and the redrive action (ops-service; idempotent and audited).
 */
export default function EventInspectorPage() {
  const [draft, setDraft] = useState('');
  const [conversationId, setConversationId] = useState('');
  const [error, setError] = useState('');
  function submit(ev: FormEvent) {
    ev.preventDefault();
    const v = draft.trim();
    if (v.length > 200) return setError('At most 200 characters');
    setError('');
    setConversationId(v);
  }
  return (
    <Stack>
      <form onSubmit={submit}>
        <Group align="flex-end">
          <TextInput
            label="Conversation id"
            description="Empty: all dead letters of the tenant"
            value={draft}
            onChange={(e) => setDraft(e.currentTarget.value)}
            error={error || undefined}
            w={420}
          />
          <Button type="submit">Inspect</Button>
        </Group>
      </form>
      {conversationId && <ConversationEvents conversationId={conversationId} />}
      <DeadLetters conversationId={conversationId} />
    </Stack>
  );
}
