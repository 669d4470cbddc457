import { useState, type FormEvent } from 'react';
import { Button, Checkbox, Group, NumberInput, Select, Stack, TextInput } from '@mantine/core';
import { api, formErrors, issuesToErrors } from '../../api/client';
import { FormError } from '../../components/FormError';
import { QueueFormSchema } from './schemas';
import type { Queue } from './types';

/** Create (`POST /v1/queues`) or edit (`PATCH /v1/queues/{id}`) a queue. */
export function QueueForm({ existing, onSaved }: { existing?: Queue; onSaved: (q: Queue) => void }) {
  const [v, setV] = useState({
    name: existing?.name ?? '',
    active: existing?.active ?? true,
    isDefault: existing?.isDefault ?? false,
    offerTimeoutSeconds: existing?.offerTimeoutSeconds ?? 30,
    priorityHandling: existing?.priorityHandling ?? ('priority' as Queue['priorityHandling']),
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = QueueFormSchema.safeParse(v);
    if (!parsed.success) return setErrors(issuesToErrors(parsed.error.issues));
    setErrors({});
    setBusy(true);
    try {
      const q = existing
        ? await api.patch<Queue>('router', `/v1/queues/${existing.id}`, parsed.data)
        : await api.post<Queue>('router', '/v1/queues', parsed.data);
      onSaved(q);
      if (!existing) setV({ ...v, name: '' });
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} noValidate aria-label={existing ? `Edit queue ${existing.name}` : 'New queue'}>
      <Stack gap="sm">
        <Group align="flex-start" grow>
          <TextInput
            label="Queue name"
            name="name"
            required
            value={v.name}
            onChange={(e) => setV({ ...v, name: e.currentTarget.value })}
            error={errors['name']}
          />
          <NumberInput
            label="Offer timeout (s)"
            name="offerTimeoutSeconds"
            value={v.offerTimeoutSeconds}
            onChange={(n) =>
              setV({
                ...v,
                offerTimeoutSeconds: typeof n === 'number' ? n : n === '' ? Number.NaN : Number(n),
              })
            }
            error={errors['offerTimeoutSeconds']}
          />
          <Select
            label="Order"
            name="priorityHandling"
            data={[
              { value: 'priority', label: 'Priority, then oldest' },
              { value: 'fifo', label: 'Oldest first' },
            ]}
            value={v.priorityHandling}
            allowDeselect={false}
            onChange={(p) => p && setV({ ...v, priorityHandling: p as Queue['priorityHandling'] })}
            error={errors['priorityHandling']}
          />
        </Group>
        <Group>
          <Checkbox
            label="Active"
            checked={v.active}
            onChange={(e) => setV({ ...v, active: e.currentTarget.checked })}
          />
          <Checkbox
            label="Tenant default queue"
            checked={v.isDefault}
            onChange={(e) => setV({ ...v, isDefault: e.currentTarget.checked })}
          />
          <Button type="submit" loading={busy} ml="auto">
            {existing ? 'Save queue' : 'Create queue'}
          </Button>
        </Group>
        <FormError errors={errors} shown={['name', 'offerTimeoutSeconds', 'priorityHandling']} />
      </Stack>
    </form>
  );
}
