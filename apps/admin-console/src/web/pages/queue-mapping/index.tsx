import { useState, type FormEvent } from 'react';
import {
  Autocomplete,
  Button,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { api, formErrors } from '../../api/client';
import { useApi } from '../../api/use-api';
import { FormError } from '../../components/FormError';
import { EmptyState, ErrorState, Loading } from '../../components/states';
import type { Integration } from '../integrations/types';
import type { KnowledgeBase, QueueMapping } from '../knowledge-bases/types';

interface Draft {
  queue: string;
  knowledgeBaseId: string | null;
  systemPrompt: string;
  llmIntegrationId: string | null;
}
const EMPTY: Draft = { queue: '', knowledgeBaseId: null, systemPrompt: '', llmIntegrationId: null };

/**
 * Middleware › Queue mapping (seed 001): which knowledge base, system prompt and LLM integration Agent Assist uses
 * for a queue or skill (`PUT /v1/queue-mappings/{queue}`, case-insensitive name). Queue names are offered from
 * the router's queues; a contact center's own queue or skill name can be typed.
 */
export default function QueueMappingPage() {
  const mappings = useApi(() => api.get<{ items: QueueMapping[] }>('suggestion', '/v1/queue-mappings'));
  const kbs = useApi(() => api.get<{ items: KnowledgeBase[] }>('suggestion', '/v1/knowledge-bases'));
  const queues = useApi(() =>
    api.get<{ id: string; name: string }[]>('router', '/v1/queues').catch(() => []),
  );
  const llms = useApi(() =>
    api
      .get<Integration[]>('orchestrator', '/v1/integrations')
      .then((all) => all.filter((i) => i.type === 'llm'))
      .catch(() => [] as Integration[]),
  );
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');

  const kbName = (id: string) => kbs.data?.items.find((k) => k.id === id)?.name ?? id;
  const llmName = (id: string | null) =>
    id ? (llms.data?.find((l) => l.id === id)?.name ?? id) : 'tenant default';

  async function submit(e: FormEvent) {
    e.preventDefault();
    const fe: Record<string, string> = {};
    if (!draft.queue.trim()) fe['queue'] = 'Choose or type a queue or skill name';
    if (!draft.knowledgeBaseId) fe['knowledgeBaseId'] = 'Choose a knowledge base';
    if (Object.keys(fe).length) return setErrors(fe);
    setErrors({});
    setStatus('');
    setBusy(true);
    try {
      const saved = await api.put<QueueMapping>(
        'suggestion',
        `/v1/queue-mappings/${encodeURIComponent(draft.queue.trim())}`,
        {
          knowledgeBaseId: draft.knowledgeBaseId,
          systemPrompt: draft.systemPrompt.trim() || null,
          llmIntegrationId: draft.llmIntegrationId,
        },
      );
      setStatus(`Saved: queue ${saved.queue} → ${kbName(saved.knowledgeBaseId)}.`);
      setDraft(EMPTY);
      mappings.reload();
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove(m: QueueMapping) {
    if (!window.confirm(`Remove the mapping of ${m.queue}?`)) return;
    await api.del('suggestion', `/v1/queue-mappings/${encodeURIComponent(m.queue)}`);
    setStatus(`Removed the mapping of ${m.queue}.`);
    mappings.reload();
  }

  const noKbs = kbs.data && !kbs.data.items.length;
  return (
    <Stack>
      <Text c="dimmed" size="sm">
        Queues without a mapping use the tenant's default knowledge base and prompt.
      </Text>
      <Paper withBorder p="md" radius="md">
        <form onSubmit={submit} noValidate aria-label="Map a queue">
          <Stack gap="sm">
            <Title order={2} size="h4">
              Map a queue
            </Title>
            {noKbs && (
              <Text size="sm" c="orange.9">
                Create a knowledge base first (Knowledge bases page).
              </Text>
            )}
            <Group align="flex-start" grow>
              <Autocomplete
                label="Queue or skill"
                name="queue"
                required
                data={[...new Set((queues.data ?? []).map((q) => q.name))]}
                value={draft.queue}
                onChange={(queue) => setDraft({ ...draft, queue })}
                error={errors['queue']}
              />
              <Select
                label="Knowledge base"
                name="knowledgeBaseId"
                required
                data={(kbs.data?.items ?? []).map((k) => ({ value: k.id, label: k.name }))}
                value={draft.knowledgeBaseId}
                onChange={(knowledgeBaseId) => setDraft({ ...draft, knowledgeBaseId })}
                error={errors['knowledgeBaseId']}
              />
              <Select
                label="LLM integration"
                name="llmIntegrationId"
                placeholder="Tenant default"
                clearable
                data={(llms.data ?? []).map((l) => ({ value: l.id, label: l.name }))}
                value={draft.llmIntegrationId}
                onChange={(llmIntegrationId) => setDraft({ ...draft, llmIntegrationId })}
                error={errors['llmIntegrationId']}
              />
            </Group>
            <Textarea
              label="System prompt"
              name="systemPrompt"
              description="How the assistant should answer for this queue (optional)"
              autosize
              minRows={2}
              value={draft.systemPrompt}
              onChange={(e) => setDraft({ ...draft, systemPrompt: e.currentTarget.value })}
              error={errors['systemPrompt']}
            />
            <Group>
              <Button type="submit" loading={busy}>
                Save mapping
              </Button>
              <Text size="sm" role="status">
                {status}
              </Text>
            </Group>
            <FormError
              errors={errors}
              shown={['queue', 'knowledgeBaseId', 'llmIntegrationId', 'systemPrompt']}
            />
          </Stack>
        </form>
      </Paper>
      {mappings.loading && !mappings.data && <Loading label="Loading queue mappings…" />}
      {!mappings.loading && mappings.error != null && (
        <ErrorState
          title="Queue mappings could not be loaded"
          error={mappings.error}
          onRetry={mappings.reload}
        />
      )}
      {mappings.data && !mappings.data.items.length && (
        <EmptyState title="No queue mapped yet">
          Map a queue to the knowledge base its agents answer from.
        </EmptyState>
      )}
      {!!mappings.data?.items.length && (
        <Table withTableBorder data-testid="queue-mappings">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Queue</Table.Th>
              <Table.Th>Knowledge base</Table.Th>
              <Table.Th>LLM</Table.Th>
              <Table.Th>System prompt</Table.Th>
              <Table.Th>Action</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {mappings.data.items.map((m) => (
              <Table.Tr key={m.id}>
                <Table.Td>{m.queue}</Table.Td>
                <Table.Td>{kbName(m.knowledgeBaseId)}</Table.Td>
                <Table.Td>{llmName(m.llmIntegrationId)}</Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={2}>
                    {m.systemPrompt ?? '—'}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    <Button
                      size="xs"
                      variant="default"
                      aria-label={`Edit ${m.queue}`}
                      onClick={() =>
                        setDraft({
                          queue: m.queue,
                          knowledgeBaseId: m.knowledgeBaseId,
                          systemPrompt: m.systemPrompt ?? '',
                          llmIntegrationId: m.llmIntegrationId,
                        })
                      }
                    >
                      Edit
                    </Button>
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      c="red.9"
                      aria-label={`Remove ${m.queue}`}
                      onClick={() => void remove(m)}
                    >
                      Remove
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
