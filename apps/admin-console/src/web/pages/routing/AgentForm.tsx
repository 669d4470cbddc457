import { useState, type FormEvent } from 'react';
import { Button, Checkbox, Group, MultiSelect, NumberInput, Stack, TextInput } from '@mantine/core';
import { api, formErrors, issuesToErrors } from '../../api/client';
import { FormError } from '../../components/FormError';
import { AgentFormSchema } from './schemas';
import type { Agent, Queue } from './types';

const num = (n: string | number) => (typeof n === 'number' ? n : Number.NaN);

/** Create (`POST /v1/agents`) or edit (`PATCH /v1/agents/{id}`) an agent: queues, capacity per channel, auto-accept. */
export function AgentForm({
  existing,
  queues,
  onSaved,
}: {
  existing?: Agent;
  queues: Queue[];
  onSaved: () => void;
}) {
  const [v, setV] = useState({
    id: existing?.id ?? '',
    displayName: existing?.displayName ?? '',
    queueIds: existing?.queueIds ?? [],
    capacity: existing?.capacity ?? { chat: 3, call: 1 },
    autoAccept: existing?.autoAccept ?? false,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = AgentFormSchema.safeParse(v);
    if (!parsed.success) return setErrors(issuesToErrors(parsed.error.issues));
    setErrors({});
    setBusy(true);
    try {
      if (existing) {
        const { displayName, queueIds, capacity, autoAccept } = parsed.data;
        await api.patch('router', `/v1/agents/${encodeURIComponent(existing.id)}`, {
          displayName,
          queueIds,
          capacity,
          autoAccept,
        });
      } else await api.post('router', '/v1/agents', parsed.data);
      onSaved();
      if (!existing) setV({ ...v, id: '', displayName: '' });
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label={existing ? `Edit agent ${existing.displayName}` : 'New agent'}
    >
      <Stack gap="sm">
        <Group grow align="flex-start">
          <TextInput
            label="Agent id"
            name="id"
            required
            disabled={!!existing}
            value={v.id}
            onChange={(e) => setV({ ...v, id: e.currentTarget.value })}
            error={errors['id']}
          />
          <TextInput
            label="Display name"
            name="displayName"
            required
            value={v.displayName}
            onChange={(e) => setV({ ...v, displayName: e.currentTarget.value })}
            error={errors['displayName']}
          />
        </Group>
        <MultiSelect
          label="Queues"
          name="queueIds"
          data={queues.map((q) => ({ value: q.id, label: q.name }))}
          value={v.queueIds}
          onChange={(ids) => setV({ ...v, queueIds: ids })}
          error={errors['queueIds']}
          searchable
        />
        <Group align="flex-start">
          <NumberInput
            label="Chat capacity"
            name="capacity.chat"
            min={0}
            max={100}
            value={v.capacity.chat}
            onChange={(n) => setV({ ...v, capacity: { ...v.capacity, chat: num(n) } })}
            error={errors['capacity.chat']}
            w={140}
          />
          <NumberInput
            label="Call capacity"
            name="capacity.call"
            min={0}
            max={100}
            value={v.capacity.call}
            onChange={(n) => setV({ ...v, capacity: { ...v.capacity, call: num(n) } })}
            error={errors['capacity.call']}
            w={140}
          />
          <Checkbox
            mt={30}
            label="Auto-accept offers"
            checked={v.autoAccept}
            onChange={(e) => setV({ ...v, autoAccept: e.currentTarget.checked })}
          />
          <Button type="submit" loading={busy} mt={24} ml="auto">
            {existing ? 'Save agent' : 'Create agent'}
          </Button>
        </Group>
        <FormError
          errors={errors}
          shown={['id', 'displayName', 'queueIds', 'capacity.chat', 'capacity.call']}
        />
      </Stack>
    </form>
  );
}
