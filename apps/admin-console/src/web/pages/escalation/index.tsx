import { useState } from 'react';
import {
  Button,
  Card,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { api, formErrors } from '../../api/client';
import { useApi } from '../../api/use-api';
import { FormError } from '../../components/FormError';
import { ErrorState, Loading } from '../../components/states';
import { FormTemplates } from './FormTemplates';
import { RulesEditor } from './RulesEditor';
import { DETECTOR_CLASSES, type ConfigView, type EscalationConfig, type FormTemplate } from './types';
import { TEMPLATE_PLACEHOLDERS, validateConfig } from './validate';

const num = (v: string | number) => (typeof v === 'number' ? v : undefined);
const TEMPLATE_LABELS = {
  handoffMessage: 'Handoff message (intent detected)',
  handoffMessageWithoutIntent: 'Handoff message (no intent)',
  offerMessage: 'Offer line (paths offered)',
  liveAgentWait: 'Live agent estimated wait',
} as const;

/**
 * Settings › Escalation policy: detectors and thresholds, keyword rules and routing conditions, the paths
 * offered (queue, form template, fallthrough), message templates and guardrail prompt
 * (`GET/PUT /v1/escalation/config`, the whole document replaced on save), and the form templates
 * (`/v1/forms/templates`).
 */
export default function EscalationPage() {
  const view = useApi(() => api.get<ConfigView>('orchestrator', '/v1/escalation/config'));
  const queues = useApi(() =>
    api.get<{ id: string; name: string }[]>('router', '/v1/queues').catch(() => []),
  );
  const templates = useApi(() =>
    api.get<{ items: FormTemplate[] }>('orchestrator', '/v1/forms/templates').catch(() => ({ items: [] })),
  );
  const [draft, setDraft] = useState<EscalationConfig | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [savedRevision, setSavedRevision] = useState<number | null>(null);

  if (view.loading && !view.data) return <Loading label="Loading the escalation policy…" />;
  if (view.error || !view.data)
    return (
      <ErrorState
        title="The escalation policy could not be loaded"
        error={view.error}
        onRetry={view.reload}
      />
    );
  const c = draft ?? view.data.config;
  const set = (p: Partial<EscalationConfig>) => {
    setSavedRevision(null);
    setDraft({ ...c, ...p });
  };

  async function save() {
    const errs = validateConfig(c);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const stored = await api.put<ConfigView>('orchestrator', '/v1/escalation/config', c);
      setDraft(null);
      setSavedRevision(stored.revision);
      view.reload();
    } catch (e) {
      setErrors(formErrors(e));
    } finally {
      setBusy(false);
    }
  }

  const shown = (k: string) =>
    k.startsWith('detectors.') ||
    k.startsWith('rules.') ||
    k.startsWith('templates.') ||
    k.startsWith('retrieval.') ||
    k.startsWith('scope.') ||
    k.startsWith('paths.') ||
    k === 'guardrailPrompt' ||
    k === 'fallthrough';

  const saveBar = (
    <Stack gap="xs">
      <FormError errors={errors} shown={Object.keys(errors).filter(shown)} title="Policy not saved" />
      {Object.keys(errors).some(shown) && (
        <Text size="sm" c="red.9" role="alert">
          Some fields need a fix (marked in red
          {Object.keys(errors).some((k) => k.startsWith('rules.')) ? ', see Rules' : ''}).
        </Text>
      )}
      <Group>
        <Button onClick={save} loading={busy}>
          Save policy
        </Button>
        {draft && <Text size="sm">Unsaved changes</Text>}
        {savedRevision !== null && (
          <Text size="sm" c="#1f6e34" role="status">
            Saved (revision {savedRevision})
          </Text>
        )}
      </Group>
    </Stack>
  );

  return (
    <Tabs defaultValue="detectors" keepMounted={false}>
      <Tabs.List>
        <Tabs.Tab value="detectors">Detectors</Tabs.Tab>
        <Tabs.Tab value="rules">Rules</Tabs.Tab>
        <Tabs.Tab value="paths">Paths and messages</Tabs.Tab>
        <Tabs.Tab value="forms">Form templates</Tabs.Tab>
      </Tabs.List>

      <Tabs.Panel value="detectors" pt="md">
        <Stack>
          <Card withBorder radius="md">
            <Title order={2} size="h4" mb="xs">
              Retrieval confidence
            </Title>
            <Group align="flex-start">
              <Checkbox
                mt={30}
                label="Escalate when the knowledge base has no confident answer"
                checked={c.retrieval.enabled}
                onChange={(e) => set({ retrieval: { ...c.retrieval, enabled: e.currentTarget.checked } })}
              />
              <NumberInput
                label="Confidence threshold (0–1)"
                name="retrieval.threshold"
                step={0.05}
                decimalScale={2}
                value={c.retrieval.threshold ?? ''}
                placeholder="service default"
                onChange={(v) => set({ retrieval: { ...c.retrieval, threshold: num(v) } })}
                error={errors['retrieval.threshold']}
              />
            </Group>
          </Card>
          <Card withBorder radius="md">
            <Title order={2} size="h4" mb="xs">
              Intent detectors
            </Title>
            <Text size="xs" c="dimmed" mb="sm">
              Threshold: mean cosine to the class's closest prototypes needed to fire (-1…1). Margin: the lead
              required over ordinary requests. Empty = the tuned defaults.
            </Text>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Detector</Table.Th>
                  <Table.Th>On</Table.Th>
                  <Table.Th>Threshold</Table.Th>
                  <Table.Th>Margin</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {DETECTOR_CLASSES.map((d) => {
                  const det = c.detectors[d] ?? {};
                  const setDet = (p: Partial<typeof det>) =>
                    set({
                      detectors: { ...c.detectors, [d]: { enabled: det.enabled ?? true, ...det, ...p } },
                    });
                  return (
                    <Table.Tr key={d}>
                      <Table.Td>{d.replace(/_/g, ' ')}</Table.Td>
                      <Table.Td>
                        <Checkbox
                          aria-label={`${d} enabled`}
                          checked={det.enabled !== false}
                          onChange={(e) => setDet({ enabled: e.currentTarget.checked })}
                        />
                      </Table.Td>
                      <Table.Td>
                        <NumberInput
                          aria-label={`${d} threshold`}
                          name={`detectors.${d}.threshold`}
                          step={0.01}
                          decimalScale={3}
                          placeholder="default"
                          value={det.threshold ?? ''}
                          onChange={(v) => setDet({ threshold: num(v) })}
                          error={errors[`detectors.${d}.threshold`]}
                        />
                      </Table.Td>
                      <Table.Td>
                        <NumberInput
                          aria-label={`${d} margin`}
                          name={`detectors.${d}.margin`}
                          step={0.01}
                          decimalScale={3}
                          placeholder="default"
                          value={det.margin ?? ''}
                          onChange={(v) => setDet({ margin: num(v) })}
                          error={errors[`detectors.${d}.margin`]}
                        />
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Card>
          <Card withBorder radius="md">
            <Title order={2} size="h4" mb="xs">
              Out of scope
            </Title>
            <Group align="flex-start">
              <Checkbox
                mt={30}
                label="Escalate requests outside the bot's scope"
                checked={c.scope.enabled}
                onChange={(e) => set({ scope: { ...c.scope, enabled: e.currentTarget.checked } })}
              />
              <NumberInput
                label="Held-out reject rate (0–0.2)"
                name="scope.rejectRate"
                step={0.01}
                decimalScale={3}
                placeholder="default"
                value={c.scope.rejectRate ?? ''}
                onChange={(v) => set({ scope: { ...c.scope, rejectRate: num(v) } })}
                error={errors['scope.rejectRate']}
              />
              <Text size="sm" mt={30}>
                {c.scope.examples.length} in-scope examples
              </Text>
            </Group>
          </Card>
          {saveBar}
        </Stack>
      </Tabs.Panel>

      <Tabs.Panel value="rules" pt="md">
        <Stack>
          <RulesEditor rules={c.rules} onChange={(rules) => set({ rules })} errors={errors} />
          {saveBar}
        </Stack>
      </Tabs.Panel>

      <Tabs.Panel value="paths" pt="md">
        <Stack>
          <Card withBorder radius="md">
            <Title order={2} size="h4" mb="xs">
              Paths offered
            </Title>
            <SimpleGrid cols={{ base: 1, md: 3 }}>
              <Stack gap="xs">
                <Checkbox
                  label="Secure form"
                  checked={c.paths.form.enabled}
                  onChange={(e) =>
                    set({
                      paths: { ...c.paths, form: { ...c.paths.form, enabled: e.currentTarget.checked } },
                    })
                  }
                />
                <Select
                  label="Form template"
                  name="paths.form.templateId"
                  data={(templates.data?.items ?? []).map((t) => ({ value: t.name, label: t.title }))}
                  value={c.paths.form.templateId ?? null}
                  clearable
                  onChange={(v) =>
                    set({ paths: { ...c.paths, form: { ...c.paths.form, templateId: v ?? undefined } } })
                  }
                  error={errors['paths.form.templateId']}
                />
              </Stack>
              <Stack gap="xs">
                <Checkbox
                  label="Live agent"
                  checked={c.paths.live_agent.enabled}
                  onChange={(e) =>
                    set({
                      paths: {
                        ...c.paths,
                        live_agent: { ...c.paths.live_agent, enabled: e.currentTarget.checked },
                      },
                    })
                  }
                />
                <Select
                  label="Live agent queue"
                  name="paths.live_agent.queueId"
                  data={(queues.data ?? []).map((q) => ({ value: q.id, label: q.name }))}
                  value={c.paths.live_agent.queueId ?? null}
                  clearable
                  placeholder="routing decides"
                  onChange={(v) =>
                    set({
                      paths: { ...c.paths, live_agent: { ...c.paths.live_agent, queueId: v ?? undefined } },
                    })
                  }
                  error={errors['paths.live_agent.queueId']}
                />
              </Stack>
              <Stack gap="xs">
                <Checkbox
                  label="Scheduled callback"
                  checked={c.paths.callback.enabled}
                  onChange={(e) =>
                    set({ paths: { ...c.paths, callback: { enabled: e.currentTarget.checked } } })
                  }
                />
                <MultiSelect
                  label="When the live agent is unavailable, offer (in order)"
                  name="fallthrough"
                  data={['callback', 'form']}
                  value={c.fallthrough}
                  onChange={(v) => set({ fallthrough: v as EscalationConfig['fallthrough'] })}
                  error={errors['fallthrough']}
                />
              </Stack>
            </SimpleGrid>
          </Card>
          <Card withBorder radius="md">
            <Title order={2} size="h4" mb="xs">
              Message templates
            </Title>
            <Text size="xs" c="dimmed" mb="sm">
              Placeholders: {TEMPLATE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}
            </Text>
            <Stack gap="sm">
              {(Object.keys(TEMPLATE_LABELS) as (keyof typeof TEMPLATE_LABELS)[]).map((k) => (
                <Textarea
                  key={k}
                  label={TEMPLATE_LABELS[k]}
                  name={`templates.${k}`}
                  autosize
                  minRows={2}
                  value={c.templates[k]}
                  onChange={(e) => set({ templates: { ...c.templates, [k]: e.currentTarget.value } })}
                  error={errors[`templates.${k}`]}
                />
              ))}
              <Textarea
                label="Guardrail prompt (served with the tool manifest)"
                name="guardrailPrompt"
                autosize
                minRows={3}
                value={c.guardrailPrompt}
                onChange={(e) => set({ guardrailPrompt: e.currentTarget.value })}
                error={errors['guardrailPrompt']}
              />
            </Stack>
          </Card>
          {saveBar}
        </Stack>
      </Tabs.Panel>

      <Tabs.Panel value="forms" pt="md">
        <FormTemplates />
      </Tabs.Panel>
    </Tabs>
  );
}
