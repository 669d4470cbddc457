import { useEffect, useState } from 'react';
import {
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Progress,
  Select,
  Stack,
  Tabs,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { DataTable } from '../../components/DataTable';
import { EmptyState, ErrorState, Loading } from '../../components/states';
import { AgentForm } from './AgentForm';
import { QueueForm } from './QueueForm';
import { QueueSettings } from './QueueSettings';
import type { Agent, Queue } from './types';

/** How often the agents' presence and load refresh, ms. */
const LIVE_REFRESH_MS = 5000;
const PRESENCE_COLOR: Record<string, string> = { online: '#1f6e34', away: '#8a5a00', offline: 'gray.7' };

function Load({ label, load, capacity }: { label: string; load: number; capacity: number }) {
  return (
    <Stack gap={2} miw={90}>
      <Text size="xs">
        {label} {load}/{capacity}
      </Text>
      <Progress
        value={capacity ? (100 * load) / capacity : 0}
        size="sm"
        aria-label={`${label} load ${load} of ${capacity}`}
      />
    </Stack>
  );
}

/**
 * Routing › Queues, agents, teams: queues (offer timeout, order, default), agents (queues, capacity per
 * channel, auto-accept) with a live view of presence and load (router `GET /v1/agents`, refreshed every 5 s),
 * and per queue its business hours and callback team.
 */
export default function RoutingPage() {
  const queues = useApi(() => api.get<Queue[]>('router', '/v1/queues'));
  const agents = useApi(() => api.get<Agent[]>('router', '/v1/agents'));
  const [editQueue, setEditQueue] = useState<Queue | null>(null);
  const [editAgent, setEditAgent] = useState<Agent | null>(null);
  const [settingsOf, setSettingsOf] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date>(new Date());
  useEffect(() => {
    const t = setInterval(() => {
      agents.reload();
      setUpdatedAt(new Date());
    }, LIVE_REFRESH_MS);
    return () => clearInterval(t);
  }, []);

  if (queues.loading && !queues.data) return <Loading label="Loading queues and agents…" />;
  if (queues.error)
    return <ErrorState title="Queues could not be loaded" error={queues.error} onRetry={queues.reload} />;
  const qs = queues.data ?? [];
  const qName = new Map(qs.map((q) => [q.id, q.name]));
  const selected = qs.find((q) => q.id === settingsOf);

  return (
    <Tabs defaultValue="queues" keepMounted={false}>
      <Tabs.List>
        <Tabs.Tab value="queues">Queues</Tabs.Tab>
        <Tabs.Tab value="agents">Agents (live)</Tabs.Tab>
        <Tabs.Tab value="hours">Hours and callbacks</Tabs.Tab>
      </Tabs.List>

      <Tabs.Panel value="queues" pt="md">
        <Stack>
          <Card withBorder radius="md">
            <QueueForm onSaved={() => queues.reload()} />
          </Card>
          {qs.length === 0 ? (
            <EmptyState title="No queues yet">
              Create the first queue above; handoffs are routed to queues and offered to their agents.
            </EmptyState>
          ) : (
            <DataTable
              striped
              bordered={false}
              testId="queue-table"
              rows={qs}
              rowKey={(q) => q.id}
              columns={[
                {
                  header: 'Queue',
                  cell: (q) => (
                    <>
                      {q.name} {q.isDefault && <Badge size="xs">default</Badge>}
                    </>
                  ),
                },
                { header: 'Status', cell: (q) => (q.active ? 'active' : 'inactive') },
                { header: 'Offer timeout', cell: (q) => `${q.offerTimeoutSeconds} s` },
                { header: 'Order', cell: (q) => q.priorityHandling },
                {
                  header: 'Agents',
                  cell: (q) => (agents.data ?? []).filter((a) => a.queueIds.includes(q.id)).length,
                },
                {
                  header: <VisuallyHidden>Actions</VisuallyHidden>,
                  cell: (q) => (
                    <Button
                      size="xs"
                      variant="subtle"
                      onClick={() => setEditQueue(q)}
                      aria-label={`Edit ${q.name}`}
                    >
                      Edit
                    </Button>
                  ),
                },
              ]}
            />
          )}
        </Stack>
      </Tabs.Panel>

      <Tabs.Panel value="agents" pt="md">
        <Stack>
          <Card withBorder radius="md">
            <AgentForm queues={qs} onSaved={() => agents.reload()} />
          </Card>
          <Group justify="space-between">
            <Title order={2} size="h4">
              Presence and load
            </Title>
            <Text size="xs" c="dimmed" aria-live="polite">
              refreshed {updatedAt.toLocaleTimeString()}
            </Text>
          </Group>
          {agents.error != null && (
            <ErrorState title="Agents could not be loaded" error={agents.error} onRetry={agents.reload} />
          )}
          {agents.data?.length === 0 && (
            <EmptyState title="No agents yet">
              Create agents above; they sign in to the Agent Desktop with their id.
            </EmptyState>
          )}
          {!!agents.data?.length && (
            <DataTable
              striped
              bordered={false}
              testId="agent-table"
              rows={agents.data}
              rowKey={(a) => a.id}
              rowProps={(a) => ({ 'data-agent': a.id })}
              columns={[
                {
                  header: 'Agent',
                  cell: (a) => (
                    <>
                      <Text size="sm" fw={600}>
                        {a.displayName}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {a.id}
                      </Text>
                    </>
                  ),
                },
                {
                  header: 'Presence',
                  cell: (a) => (
                    <>
                      <Badge color={PRESENCE_COLOR[a.presence] ?? 'gray.7'} data-testid="presence">
                        {a.presence}
                      </Badge>
                      {a.missedOffers > 0 && (
                        <Text size="xs" c="red.9">
                          {a.missedOffers} missed
                        </Text>
                      )}
                    </>
                  ),
                },
                {
                  header: 'Load',
                  cell: (a) => (
                    <Group gap="md">
                      <Load label="chat" load={a.load.chat} capacity={a.capacity.chat} />
                      <Load label="call" load={a.load.call} capacity={a.capacity.call} />
                    </Group>
                  ),
                },
                { header: 'Auto-accept', cell: (a) => (a.autoAccept ? 'yes' : 'no') },
                {
                  header: 'Queues',
                  cell: (a) => a.queueIds.map((id) => qName.get(id) ?? id).join(', ') || '—',
                },
                {
                  header: <VisuallyHidden>Actions</VisuallyHidden>,
                  cell: (a) => (
                    <Button
                      size="xs"
                      variant="subtle"
                      onClick={() => setEditAgent(a)}
                      aria-label={`Edit ${a.displayName}`}
                    >
                      Edit
                    </Button>
                  ),
                },
              ]}
            />
          )}
        </Stack>
      </Tabs.Panel>

      <Tabs.Panel value="hours" pt="md">
        <Stack>
          {qs.length === 0 ? (
            <EmptyState title="No queues yet">
              Business hours and callback teams belong to a queue.
            </EmptyState>
          ) : (
            <>
              <Select
                label="Queue"
                name="settingsQueue"
                data={qs.map((q) => ({ value: q.id, label: q.name }))}
                value={settingsOf}
                onChange={setSettingsOf}
                placeholder="Pick a queue"
                maw={360}
              />
              {selected && (
                <QueueSettings
                  key={selected.id}
                  queue={selected}
                  agents={(agents.data ?? []).filter((a) => a.queueIds.includes(selected.id))}
                />
              )}
            </>
          )}
        </Stack>
      </Tabs.Panel>

      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={!!editQueue}
        onClose={() => setEditQueue(null)}
        title={`Edit queue ${editQueue?.name ?? ''}`}
        size="xl"
      >
        {editQueue && (
          <QueueForm
            existing={editQueue}
            onSaved={() => {
              setEditQueue(null);
              queues.reload();
            }}
          />
        )}
      </Modal>
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={!!editAgent}
        onClose={() => setEditAgent(null)}
        title={`Edit agent ${editAgent?.displayName ?? ''}`}
        size="xl"
      >
        {editAgent && (
          <AgentForm
            existing={editAgent}
            queues={qs}
            onSaved={() => {
              setEditAgent(null);
              agents.reload();
            }}
          />
        )}
      </Modal>
    </Tabs>
  );
}
