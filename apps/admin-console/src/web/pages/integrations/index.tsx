import { useState } from 'react';
import { Accordion, Badge, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { EmptyState, ErrorState, Loading } from '../../components/states';
import { IntegrationForm } from './IntegrationForm';
import { Mappings } from './Mappings';
import { EXTERNAL_TYPES, INTEGRATION_TYPES } from './schema-form';
import { TestConnection } from './TestConnection';
import type { Integration } from './types';

const typeLabel = (t: string) => INTEGRATION_TYPES.find((x) => x.value === t)?.label ?? t;

/**
 * Settings › Integrations (seeds 000/004–008): the tenant's integrations (`GET /v1/integrations`), Add
 * Integration for every supported type, edit, delete, and for contact-center types Test Connection and the
 * queue / flow / skill mappings.
 */
export default function IntegrationsPage() {
  const list = useApi(() => api.get<Integration[]>('orchestrator', '/v1/integrations'));
  const [editing, setEditing] = useState<Integration | 'new' | null>(null);
  const [open, setOpen] = useState<string | null>(null);

  async function remove(i: Integration) {
    if (!window.confirm(`Delete the integration “${i.name}”?`)) return;
    await api.del('orchestrator', `/v1/integrations/${i.id}`);
    list.reload();
  }

  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          Contact centers, voice and event sources, CCAI, LLM providers and team calendars of this tenant.
        </Text>
        <Button onClick={() => setEditing('new')}>Add integration</Button>
      </Group>
      {list.loading && !list.data && <Loading label="Loading integrations…" />}
      {!list.loading && list.error != null && (
        <ErrorState title="Integrations could not be loaded" error={list.error} onRetry={list.reload} />
      )}
      {list.data?.length === 0 && (
        <EmptyState
          title="No integrations yet"
          action={<Button onClick={() => setEditing('new')}>Add integration</Button>}
        >
          Connect the Agent Desktop (internal), a contact center (Amazon Connect, 8x8, Genesys Cloud), a voice
          or event stream for Agent Assist, or an LLM provider.
        </EmptyState>
      )}
      {!!list.data?.length && (
        <Accordion variant="separated" value={open} onChange={setOpen} data-testid="integration-list">
          {list.data.map((i) => (
            <Accordion.Item key={i.id} value={i.id}>
              <Accordion.Control>
                <Group justify="space-between" pr="md">
                  <Text fw={600}>{i.name}</Text>
                  <Group gap="xs">
                    <Badge variant="light">{typeLabel(i.type)}</Badge>
                    <Badge color={i.enabled ? '#1f6e34' : 'gray.7'}>
                      {i.enabled ? 'enabled' : 'disabled'}
                    </Badge>
                  </Group>
                </Group>
              </Accordion.Control>
              <Accordion.Panel>
                <Stack>
                  <Text size="sm">
                    Secrets set: {i.secretFields.length ? i.secretFields.join(', ') : 'none'} (write-only,
                    stored encrypted)
                  </Text>
                  {EXTERNAL_TYPES.has(i.type) && <TestConnection integration={i} />}
                  {EXTERNAL_TYPES.has(i.type) && open === i.id && (
                    <Mappings integration={i} onSaved={() => list.reload()} />
                  )}
                  <Group>
                    <Button variant="default" size="xs" onClick={() => setEditing(i)}>
                      Edit settings
                    </Button>
                    <Button variant="subtle" color="red" c="red.9" size="xs" onClick={() => void remove(i)}>
                      Delete
                    </Button>
                  </Group>
                </Stack>
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      )}
      <Modal
        closeButtonProps={{ 'aria-label': 'Close' }}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? 'Add integration' : `Edit ${editing?.name ?? ''}`}
        size="xl"
      >
        {editing !== null && (
          <IntegrationForm
            key={editing === 'new' ? 'new' : editing.id}
            existing={editing === 'new' ? undefined : editing}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setEditing(null);
              setOpen(saved.id);
              list.reload();
            }}
          />
        )}
      </Modal>
    </Stack>
  );
}
