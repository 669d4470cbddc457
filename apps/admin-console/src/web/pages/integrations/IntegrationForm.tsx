import { useMemo, useState, type FormEvent } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Textarea,
  TextInput,
} from '@mantine/core';
import type { IntegrationType } from '@hub/integration-schemas';
import { api, formErrors } from '../../api/client';
import {
  fieldsOf,
  INTEGRATION_TYPES,
  labelOf,
  toPayload,
  validateIntegration,
  type FieldSpec,
} from './schema-form';
import type { Integration } from './types';
import { VocabularyFromKnowledgeBase } from './VocabularyFromKnowledgeBase';

function initial(fields: FieldSpec[], from?: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    fields.map((f) => {
      const v = from?.[f.key] ?? (f.kind === 'secret' ? undefined : f.defaultValue);
      if (v === undefined || v === null) return [f.key, f.kind === 'boolean' ? false : ''];
      if (f.kind === 'json') return [f.key, JSON.stringify(v)];
      if (f.kind === 'number') return [f.key, v];
      return [f.key, f.kind === 'boolean' ? Boolean(v) : String(v)];
    }),
  );
}

function Field({
  spec,
  prefix,
  value,
  error,
  onChange,
  secretSet,
}: {
  spec: FieldSpec;
  prefix: 'config' | 'secrets';
  value: unknown;
  error?: string;
  onChange: (v: unknown) => void;
  secretSet?: boolean;
}) {
  const common = {
    label: labelOf(spec.key),
    name: `${prefix}.${spec.key}`,
    required: spec.required && !secretSet,
    error,
    description: spec.format ? `format: ${spec.format}` : undefined,
  };
  switch (spec.kind) {
    case 'boolean':
      return (
        <Checkbox
          mt="lg"
          label={common.label}
          name={common.name}
          checked={Boolean(value)}
          error={error}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case 'select':
      return (
        <Select
          {...common}
          data={spec.options ?? []}
          value={(value as string) || null}
          clearable={!spec.required}
          onChange={(v) => onChange(v ?? '')}
        />
      );
    case 'number':
      return <NumberInput {...common} value={value as number | string} onChange={(v) => onChange(v)} />;
    case 'json':
      return (
        <Textarea
          {...common}
          description="JSON"
          autosize
          minRows={2}
          value={String(value ?? '')}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    case 'secret':
      return (
        <PasswordInput
          {...common}
          autoComplete="new-password"
          placeholder={secretSet ? 'set — stored encrypted, not shown' : undefined}
          description={
            secretSet
              ? 'Write-only. Leave empty to keep the stored value.'
              : 'Write-only: stored encrypted, never shown again.'
          }
          value={String(value ?? '')}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          value={String(value ?? '')}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}

/**
 * Add / edit an integration: the type's fields from its schema, validated before sending (same zod schema as
 * the orchestrator), the API's field errors next to the fields. Secrets are write-only: an edit sends them only
 * when one is typed, and then all of them (the API replaces the stored secrets as a whole).
 */
export function IntegrationForm({
  existing,
  onSaved,
  onCancel,
}: {
  existing?: Integration;
  onSaved: (i: Integration) => void;
  onCancel: () => void;
}) {
  const [type, setType] = useState<IntegrationType>((existing?.type as IntegrationType) ?? 'internal');
  const fields = useMemo(() => fieldsOf(type), [type]);
  const [name, setName] = useState(existing?.name ?? '');
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [config, setConfig] = useState(() => initial(fields.config, existing?.config));
  const [secrets, setSecrets] = useState(() => initial(fields.secrets));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  function changeType(t: IntegrationType) {
    const f = fieldsOf(t);
    setType(t);
    setConfig(initial(f.config));
    setSecrets(initial(f.secrets));
    setErrors({});
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const c = toPayload(fields.config, config);
    const s = toPayload(fields.secrets, secrets);
    // keep the mappings the generic form does not edit
    const keep = existing
      ? Object.fromEntries(
          Object.entries(existing.config).filter(([k]) => !fields.config.some((f) => f.key === k)),
        )
      : {};
    const cfg = { ...keep, ...c.value };
    const sendSecrets = !existing || Object.keys(s.value).length > 0;
    const errs: Record<string, string> = {
      ...Object.fromEntries(Object.entries(c.errors).map(([k, m]) => [`config.${k}`, m])),
      ...Object.fromEntries(Object.entries(s.errors).map(([k, m]) => [`secrets.${k}`, m])),
      ...validateIntegration(type, cfg, sendSecrets ? s.value : undefined),
    };
    if (!name.trim()) errs['name'] = 'Give the integration a name';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const body = { name: name.trim(), enabled, config: cfg, ...(sendSecrets ? { secrets: s.value } : {}) };
      const saved = existing
        ? await api.patch<Integration>('orchestrator', `/v1/integrations/${existing.id}`, body)
        : await api.post<Integration>('orchestrator', '/v1/integrations', { type, ...body });
      onSaved(saved);
    } catch (err) {
      setErrors(formErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const unknownErrors = Object.entries(errors).filter(
    ([k]) =>
      k !== '(form)' &&
      k !== 'name' &&
      !fields.config.some((f) => `config.${f.key}` === k) &&
      !fields.secrets.some((f) => `secrets.${f.key}` === k),
  );

  return (
    <form onSubmit={submit} noValidate aria-label={existing ? `Edit ${existing.name}` : 'Add integration'}>
      <Stack>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Select
            label="Type"
            name="type"
            data={INTEGRATION_TYPES}
            value={type}
            disabled={!!existing}
            allowDeselect={false}
            onChange={(v) => v && changeType(v as IntegrationType)}
            error={errors['type']}
          />
          <TextInput
            label="Name"
            name="name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors['name']}
          />
        </SimpleGrid>
        <Checkbox label="Enabled" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        {fields.config.length > 0 && (
          <Fieldset legend="Settings">
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              {fields.config.map((f) => (
                <Field
                  key={f.key}
                  spec={f}
                  prefix="config"
                  value={config[f.key]}
                  error={errors[`config.${f.key}`]}
                  onChange={(v) => setConfig((c) => ({ ...c, [f.key]: v }))}
                />
              ))}
              {type === 'genesys_audiohook' && (
                <VocabularyFromKnowledgeBase
                  value={String(config['vocabulary'] ?? '')}
                  onChange={(v) => setConfig((c) => ({ ...c, vocabulary: v }))}
                />
              )}
            </SimpleGrid>
          </Fieldset>
        )}
        {fields.secrets.length > 0 && (
          <Fieldset legend="Credentials (write-only)">
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              {fields.secrets.map((f) => (
                <Field
                  key={f.key}
                  spec={f}
                  prefix="secrets"
                  value={secrets[f.key]}
                  error={errors[`secrets.${f.key}`]}
                  secretSet={existing?.secretFields.includes(f.key)}
                  onChange={(v) => setSecrets((s) => ({ ...s, [f.key]: v }))}
                />
              ))}
            </SimpleGrid>
          </Fieldset>
        )}
        {(errors['(form)'] || unknownErrors.length > 0) && (
          <Alert color="red" title="Not saved" role="alert">
            {errors['(form)']}
            {unknownErrors.map(([k, m]) => (
              <div key={k}>
                {k}: {m}
              </div>
            ))}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {existing ? 'Save' : 'Create integration'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
