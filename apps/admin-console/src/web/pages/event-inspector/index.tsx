import { useState, type FormEvent } from 'react';
import { Badge, Button, Code, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { ApiError, api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { EmptyState, ErrorState, Loading } from '../../components/states';

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
      {list.loading && <Loading label="Loading dead letters…" />}
      {!list.loading && list.error != null && (
        <ErrorState title="Dead letters could not be loaded" error={list.error} onRetry={list.reload} />
      )}
      {!list.loading && list.data?.items.length === 0 && (
        <EmptyState title="No dead letters">Every message of this tenant was processed.</EmptyState>
      )}
      {!list.loading && !!list.data?.items.length && (
        <Table withTableBorder data-testid="dead-letters">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Failed</Table.Th>
              <Table.Th>Topic</Table.Th>
              <Table.Th>Conversation</Table.Th>
              <Table.Th>Reason</Table.Th>
              <Table.Th>Action</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((d) => (
              <Table.Tr key={`${d.dlqTopic}/${d.partition}/${d.offset}`} data-event-id={d.eventId ?? ''}>
                <Table.Td>{new Date(d.failedAt).toLocaleString()}</Table.Td>
                <Table.Td>{d.originalTopic}</Table.Td>
                <Table.Td>{d.correlationId ?? '—'}</Table.Td>
                <Table.Td>
                  <Badge color="red.8">{d.reason}</Badge> <Text size="sm">{d.error}</Text>
                </Table.Td>
                <Table.Td>
                  {d.redrive?.status === 'done' ? (
                    <Text size="sm">Redriven by {d.redrive.requestedBy}</Text>
                  ) : (
                    <Button size="xs" onClick={() => void redrive(d)}>
                      Redrive
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
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
      {list.loading && <Loading label="Loading events…" />}
      {!list.loading && list.error != null && (
        <ErrorState title="Events could not be loaded" error={list.error} onRetry={list.reload} />
      )}
      {!list.loading && list.data?.events.length === 0 && (
        <EmptyState title="No events">No recent event of this conversation on any topic.</EmptyState>
      )}
      {!list.loading && !!list.data?.events.length && (
        <Table withTableBorder data-testid="conversation-events">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Logged</Table.Th>
              <Table.Th>Topic</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Source</Table.Th>
              <Table.Th>Data</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.events.map((e) => (
              <Table.Tr key={`${e.topic}/${e.partition}/${e.offset}`}>
                <Table.Td>{new Date(e.loggedAt).toLocaleTimeString()}</Table.Td>
                <Table.Td>{e.topic}</Table.Td>
                <Table.Td>{e.type ?? '—'}</Table.Td>
                <Table.Td>{e.source ?? '—'}</Table.Td>
                <Table.Td>
                  <Code block>{JSON.stringify(e.data).slice(0, 300)}</Code>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
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
