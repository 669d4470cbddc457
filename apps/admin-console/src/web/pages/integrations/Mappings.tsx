import { useState } from 'react';
import { Alert, Button, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { api, ApiError, formErrors } from '../../api/client';
import { useApi } from '../../api/use-api';
import { ErrorState, Loading } from '../../components/states';
import { validateIntegration } from './schema-form';
import type { IntegrationType } from '@hub/integration-schemas';
import type { Integration, PlatformEntry } from './types';

/** One editable rule: match the handoff's intent or category against `value` → a platform entry. */
interface Rule {
  match: 'intent' | 'category';
  value: string;
  target: string;
}

interface MappingKind {
  /** Config field holding the rules. */
  field: 'queueMappings' | 'flowMappings' | 'skillGroups';
  title: string;
  /** Property of the target id in a rule. */
  targetKey: 'queueId' | 'contactFlowId' | 'scriptId';
  /** Where the choices come from. */
  source: 'queues' | 'flows';
  filter?: (e: PlatformEntry) => boolean;
}

/** The mappings each contact-center type has (libs/integrations integration-schemas). */
const KINDS: Record<string, MappingKind[]> = {
  amazon_connect: [
    { field: 'queueMappings', title: 'Queue mappings', targetKey: 'queueId', source: 'queues' },
    {
      field: 'flowMappings',
      title: 'Contact flow mappings',
      targetKey: 'contactFlowId',
      source: 'flows',
      filter: (f) => f.published !== false,
    },
  ],
  genesys_cloud: [
    { field: 'queueMappings', title: 'Queue mappings', targetKey: 'queueId', source: 'queues' },
  ],
  eightbyeight_cc: [
    {
      field: 'queueMappings',
      title: 'Queue mappings',
      targetKey: 'queueId',
      source: 'queues',
      filter: (q) => !q.kind || q.kind === 'queue',
    },
    {
      field: 'skillGroups',
      title: 'Skill groups (script routing)',
      targetKey: 'scriptId',
      source: 'queues',
      filter: (q) => q.kind === 'script' || q.kind === 'skill_group',
    },
  ],
};

/** Amazon Connect rules are `{intent?, category?, queueId}`; the others `{match, value, queueId}`. */
function readRules(type: string, kind: MappingKind, config: Record<string, unknown>): Rule[] {
  const raw = (config[kind.field] as Record<string, string>[] | undefined) ?? [];
  return raw.map((r) =>
    type === 'amazon_connect'
      ? {
          match: r['intent'] ? 'intent' : 'category',
          value: r['intent'] ?? r['category'] ?? '',
          target: r[kind.targetKey] ?? '',
        }
      : {
          match: (r['match'] as Rule['match']) ?? 'intent',
          value: r['value'] ?? '',
          target: r[kind.targetKey] ?? '',
        },
  );
}

function writeRules(type: string, kind: MappingKind, rules: Rule[], names: Map<string, string>) {
  return rules.map((r) =>
    type === 'amazon_connect'
      ? { [r.match]: r.value, [kind.targetKey]: r.target }
      : {
          match: r.match,
          value: r.value,
          [kind.targetKey]: r.target,
          ...(names.get(r.target) ? { name: names.get(r.target) } : {}),
        },
  );
}

/**
 * Queue / flow / skill mappings of a contact-center integration, the choices filled from the platform's own
 * lists (`GET /v1/integrations/{id}/queues` and `/flows`); saved with `PATCH /v1/integrations/{id}` (config
 * replaced as a whole: the other settings are sent unchanged).
 */
export function Mappings({
  integration,
  onSaved,
}: {
  integration: Integration;
  onSaved: (i: Integration) => void;
}) {
  const kinds = KINDS[integration.type] ?? [];
  const lists = useApi(async () => {
    const queues = await api.get<PlatformEntry[]>(
      'orchestrator',
      `/v1/integrations/${integration.id}/queues`,
    );
    let flows: PlatformEntry[] = [];
    if (kinds.some((k) => k.source === 'flows')) {
      flows = await api.get<PlatformEntry[]>('orchestrator', `/v1/integrations/${integration.id}/flows`);
    }
    return { queues, flows };
  }, [integration.id]);
  const [rules, setRules] = useState<Record<string, Rule[]>>(() =>
    Object.fromEntries(kinds.map((k) => [k.field, readRules(integration.type, k, integration.config)])),
  );
  const [defaultFlow, setDefaultFlow] = useState(String(integration.config['defaultContactFlowId'] ?? ''));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);

  if (!kinds.length) return null;
  if (lists.loading) return <Loading label="Reading the platform's queues and flows…" />;
  if (lists.error || !lists.data)
    return (
      <ErrorState
        title="The platform's queues could not be listed"
        error={
          lists.error instanceof ApiError && lists.error.fieldErrors
            ? new Error(
                `${lists.error.message}${Object.keys(lists.error.fieldErrors).length ? ` (check ${Object.keys(lists.error.fieldErrors).join(', ')})` : ''}`,
              )
            : lists.error
        }
        onRetry={lists.reload}
      />
    );
  const data = lists.data;
  const names = new Map([...data.queues, ...data.flows].map((e) => [e.id, e.name]));
  const choices = (k: MappingKind) =>
    (k.source === 'flows' ? data.flows : data.queues)
      .filter(k.filter ?? (() => true))
      .map((e) => ({ value: e.id, label: e.name }));

  function update(field: string, i: number, patch: Partial<Rule>) {
    setSaved(false);
    setRules((r) => ({ ...r, [field]: r[field].map((x, j) => (j === i ? { ...x, ...patch } : x)) }));
  }

  async function save() {
    const errs: Record<string, string> = {};
    for (const k of kinds)
      rules[k.field].forEach((r, i) => {
        if (!r.value.trim()) errs[`config.${k.field}.${i}.value`] = 'Enter the intent or category to match';
        if (!r.target) errs[`config.${k.field}.${i}.${k.targetKey}`] = 'Pick a target';
      });
    const config: Record<string, unknown> = { ...integration.config };
    for (const k of kinds) config[k.field] = writeRules(integration.type, k, rules[k.field], names);
    if (integration.type === 'amazon_connect') config['defaultContactFlowId'] = defaultFlow;
    Object.assign(errs, validateIntegration(integration.type as IntegrationType, config, undefined));
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const updated = await api.patch<Integration>('orchestrator', `/v1/integrations/${integration.id}`, {
        config,
      });
      setSaved(true);
      onSaved(updated);
    } catch (e) {
      setErrors(formErrors(e));
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (k: MappingKind, i: number, key: string) =>
    errors[`config.${k.field}.${i}.${key}`] ??
    (k.targetKey === key ? errors[`config.${k.field}.${i}`] : undefined) ??
    (integration.type === 'amazon_connect' && key === 'value'
      ? errors[`config.${k.field}.${i}.intent`]
      : undefined);

  return (
    <Stack gap="md" data-testid="mappings">
      {integration.type === 'amazon_connect' && (
        <Select
          label="Default contact flow"
          name="config.defaultContactFlowId"
          data={choices(kinds[1])}
          value={defaultFlow || null}
          onChange={(v) => setDefaultFlow(v ?? '')}
          error={errors['config.defaultContactFlowId']}
          allowDeselect={false}
          maw={420}
        />
      )}
      {kinds.map((k) => (
        <section key={k.field} aria-label={k.title}>
          <Title order={4} size="h5" mb={4}>
            {k.title}
          </Title>
          <Text size="xs" c="dimmed" mb="xs">
            First match wins: the handoff's intent or category (case-insensitive) → {choices(k).length}{' '}
            choices from the platform.
          </Text>
          <Table>
            <Table.Tbody>
              {rules[k.field].map((r, i) => (
                <Table.Tr key={i}>
                  <Table.Td>
                    <Select
                      aria-label={`${k.title} ${i + 1} match`}
                      data={['intent', 'category']}
                      value={r.match}
                      allowDeselect={false}
                      onChange={(v) => v && update(k.field, i, { match: v as Rule['match'] })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={`${k.title} ${i + 1} value`}
                      placeholder="e.g. billing"
                      value={r.value}
                      onChange={(e) => update(k.field, i, { value: e.currentTarget.value })}
                      error={fieldError(k, i, 'value')}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={`${k.title} ${i + 1} target`}
                      placeholder="Pick…"
                      data={choices(k)}
                      value={r.target || null}
                      onChange={(v) => update(k.field, i, { target: v ?? '' })}
                      error={fieldError(k, i, k.targetKey)}
                      searchable
                    />
                  </Table.Td>
                  <Table.Td>
                    <Button
                      variant="subtle"
                      color="red"
                      c="red.9"
                      size="xs"
                      onClick={() =>
                        setRules((x) => ({ ...x, [k.field]: x[k.field].filter((_, j) => j !== i) }))
                      }
                    >
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Button
            size="xs"
            variant="default"
            mt="xs"
            onClick={() =>
              setRules((x) => ({
                ...x,
                [k.field]: [...x[k.field], { match: 'intent', value: '', target: '' }],
              }))
            }
          >
            Add rule
          </Button>
        </section>
      ))}
      {errors['(form)'] && (
        <Alert color="red" role="alert" title="Mappings not saved">
          {errors['(form)']}
        </Alert>
      )}
      <Group>
        <Button onClick={save} loading={busy}>
          Save mappings
        </Button>
        {saved && (
          <Text size="sm" c="#1f6e34" role="status">
            Mappings saved
          </Text>
        )}
      </Group>
    </Stack>
  );
}
