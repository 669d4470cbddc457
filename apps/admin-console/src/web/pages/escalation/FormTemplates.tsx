import { useState, type FormEvent } from 'react';
import {
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { api, formErrors } from '../../api/client';
import { useApi } from '../../api/use-api';
import { FormError } from '../../components/FormError';
import { EmptyState, ErrorState, Loading } from '../../components/states';
import type { FormField, FormTemplate } from './types';

const FIELD_TYPES = ['text', 'textarea', 'email', 'phone', 'date', 'number', 'select', 'checkbox'];

interface Draft {
  name: string;
  title: string;
  description: string;
  webhookUrl: string;
  linkTtlSeconds: number;
  fields: (FormField & { optionsText?: string })[];
}

const empty = (): Draft => ({
  name: '',
  title: '',
  description: '',
  webhookUrl: '',
  linkTtlSeconds: 86_400,
  fields: [{ name: 'email', label: 'E-mail', type: 'email', required: true }],
});

/** Client-side check of a template (orchestrator form.schemas.ts rules that a form can break). */
export function validateTemplate(d: Draft): Record<string, string> {
  const e: Record<string, string> = {};
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(d.name)) e['name'] = 'lower-case letters, digits and - (≤ 63)';
  if (!d.title.trim()) e['title'] = 'Enter the title customers see';
  try {
    const u = new URL(d.webhookUrl);
    if (!/^https?:$/.test(u.protocol)) e['webhookUrl'] = 'must be an http(s) URL';
  } catch {
    e['webhookUrl'] = 'Enter the URL submissions are posted to';
  }
  if (!(d.linkTtlSeconds >= 60 && d.linkTtlSeconds <= 604_800))
    e['linkTtlSeconds'] = 'between 60 s and 7 days';
  if (!d.fields.length) e['fields'] = 'Add at least one field';
  const names = new Set<string>();
  d.fields.forEach((f, i) => {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(f.name))
      e[`fields.${i}.name`] = 'lower-case letters, digits and _ (starting with a letter)';
    else if (names.has(f.name)) e[`fields.${i}.name`] = 'used twice';
    names.add(f.name);
    if (!f.label.trim()) e[`fields.${i}.label`] = 'Enter a label';
    if (f.type === 'select' && !(f.optionsText ?? '').trim())
      e[`fields.${i}.options`] = 'is required for a select field';
  });
  return e;
}

function toBody(d: Draft) {
  return {
    name: d.name,
    title: d.title.trim(),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    webhookUrl: d.webhookUrl,
    linkTtlSeconds: d.linkTtlSeconds,
    fields: d.fields.map(({ optionsText, ...f }) => ({
      ...f,
      ...(f.type === 'select'
        ? {
            options: (optionsText ?? '')
              .split(',')
              .map((o) => o.trim())
              .filter(Boolean)
              .map((o) => ({ value: o, label: o })),
          }
        : { options: undefined }),
    })),
  };
}

/** Settings › Forms: the tenant's secure-form templates (`/v1/forms/templates`), used by the form path. */
export function FormTemplates() {
  const list = useApi(() => api.get<{ items: FormTemplate[] }>('orchestrator', '/v1/forms/templates'));
  const [editing, setEditing] = useState<{ id?: string; draft: Draft } | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!editing) return;
    const errs = validateTemplate(editing.draft);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      if (editing.id)
        await api.put('orchestrator', `/v1/forms/templates/${editing.id}`, toBody(editing.draft));
      else await api.post('orchestrator', '/v1/forms/templates', toBody(editing.draft));
      setEditing(null);
      list.reload();
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const d = editing?.draft;
  const setD = (p: Partial<Draft>) =>
    editing && setEditing({ ...editing, draft: { ...editing.draft, ...p } });
  const setField = (i: number, p: Partial<Draft['fields'][number]>) =>
    d && setD({ fields: d.fields.map((f, j) => (j === i ? { ...f, ...p } : f)) });

  return (
    <Stack>
      {list.loading && <Loading label="Loading form templates…" />}
      {list.error != null && (
        <ErrorState title="Form templates could not be loaded" error={list.error} onRetry={list.reload} />
      )}
      {list.data?.items.length === 0 && !editing && (
        <EmptyState
          title="No form templates"
          action={<Button onClick={() => setEditing({ draft: empty() })}>New form template</Button>}
        >
          The form path sends the customer a secure link to one of these forms (address change, claim details,
          …).
        </EmptyState>
      )}
      {!!list.data?.items.length && (
        <Table striped data-testid="form-templates">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Title</Table.Th>
              <Table.Th>Fields</Table.Th>
              <Table.Th>Revision</Table.Th>
              <Table.Th>Edit</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.items.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>{t.name}</Table.Td>
                <Table.Td>{t.title}</Table.Td>
                <Table.Td>{t.fields.map((f) => f.name).join(', ')}</Table.Td>
                <Table.Td>{t.revision}</Table.Td>
                <Table.Td>
                  <Button
                    size="xs"
                    variant="subtle"
                    aria-label={`Edit ${t.name}`}
                    onClick={() =>
                      setEditing({
                        id: t.id,
                        draft: {
                          name: t.name,
                          title: t.title,
                          description: t.description ?? '',
                          webhookUrl: t.webhookUrl,
                          linkTtlSeconds: t.linkTtlSeconds,
                          fields: t.fields.map((f) => ({
                            ...f,
                            optionsText: f.options?.map((o) => o.value).join(', '),
                          })),
                        },
                      })
                    }
                  >
                    Edit
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {!editing && !!list.data?.items.length && (
        <Button w="fit-content" onClick={() => setEditing({ draft: empty() })}>
          New form template
        </Button>
      )}
      {d && (
        <Card withBorder radius="md">
          <form onSubmit={submit} noValidate aria-label="Form template">
            <Stack gap="sm">
              <Title order={3} size="h5">
                {editing?.id ? `Edit ${d.name}` : 'New form template'}
              </Title>
              <Group grow align="flex-start">
                <TextInput
                  label="Name (slug)"
                  name="name"
                  value={d.name}
                  onChange={(e) => setD({ name: e.currentTarget.value })}
                  error={errors['name']}
                  required
                />
                <TextInput
                  label="Title"
                  name="title"
                  value={d.title}
                  onChange={(e) => setD({ title: e.currentTarget.value })}
                  error={errors['title']}
                  required
                />
              </Group>
              <Textarea
                label="Description"
                name="description"
                value={d.description}
                onChange={(e) => setD({ description: e.currentTarget.value })}
                error={errors['description']}
              />
              <Group grow align="flex-start">
                <TextInput
                  label="Webhook URL (submissions, signed)"
                  name="webhookUrl"
                  value={d.webhookUrl}
                  onChange={(e) => setD({ webhookUrl: e.currentTarget.value })}
                  error={errors['webhookUrl']}
                  required
                />
                <NumberInput
                  label="Link lifetime (s)"
                  name="linkTtlSeconds"
                  value={d.linkTtlSeconds}
                  onChange={(v) => setD({ linkTtlSeconds: typeof v === 'number' ? v : Number.NaN })}
                  error={errors['linkTtlSeconds']}
                />
              </Group>
              <Text fw={600} size="sm">
                Fields
              </Text>
              {d.fields.map((f, i) => (
                <Group key={i} align="flex-start" gap="xs">
                  <TextInput
                    aria-label={`Field ${i + 1} name`}
                    placeholder="name"
                    value={f.name}
                    onChange={(e) => setField(i, { name: e.currentTarget.value })}
                    error={errors[`fields.${i}.name`]}
                    w={150}
                  />
                  <TextInput
                    aria-label={`Field ${i + 1} label`}
                    placeholder="Label"
                    value={f.label}
                    onChange={(e) => setField(i, { label: e.currentTarget.value })}
                    error={errors[`fields.${i}.label`]}
                    w={200}
                  />
                  <Select
                    aria-label={`Field ${i + 1} type`}
                    data={FIELD_TYPES}
                    value={f.type}
                    allowDeselect={false}
                    onChange={(v) => v && setField(i, { type: v as FormField['type'] })}
                    w={120}
                    error={errors[`fields.${i}.type`]}
                  />
                  {f.type === 'select' && (
                    <TextInput
                      aria-label={`Field ${i + 1} options`}
                      placeholder="options, comma-separated"
                      value={f.optionsText ?? ''}
                      onChange={(e) => setField(i, { optionsText: e.currentTarget.value })}
                      error={errors[`fields.${i}.options`]}
                      w={220}
                    />
                  )}
                  <Checkbox
                    mt={8}
                    label="required"
                    checked={!!f.required}
                    onChange={(e) => setField(i, { required: e.currentTarget.checked })}
                  />
                  <Checkbox
                    mt={8}
                    label="sensitive"
                    checked={!!f.sensitive}
                    onChange={(e) => setField(i, { sensitive: e.currentTarget.checked })}
                  />
                  <Button
                    variant="subtle"
                    color="red"
                    c="red.9"
                    size="xs"
                    mt={4}
                    onClick={() => setD({ fields: d.fields.filter((_, j) => j !== i) })}
                  >
                    Remove
                  </Button>
                </Group>
              ))}
              <Button
                size="xs"
                variant="default"
                w="fit-content"
                onClick={() => setD({ fields: [...d.fields, { name: '', label: '', type: 'text' }] })}
              >
                Add field
              </Button>
              <FormError
                errors={errors}
                shown={[
                  'name',
                  'title',
                  'description',
                  'webhookUrl',
                  'linkTtlSeconds',
                  ...Object.keys(errors).filter((k) => /^fields\.\d+\.(name|label|type|options)$/.test(k)),
                ]}
              />
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setEditing(null)}>
                  Cancel
                </Button>
                <Button type="submit" loading={busy}>
                  Save template
                </Button>
              </Group>
            </Stack>
          </form>
        </Card>
      )}
    </Stack>
  );
}
