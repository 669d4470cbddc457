import {
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import type { EscalationRule } from './types';

const CATEGORIES = ['general', 'legal', 'medical', 'fraud', 'regulated'];
const PATHS = [
  { value: '', label: 'policy decides' },
  { value: 'form', label: 'form' },
  { value: 'live_agent', label: 'live agent' },
  { value: 'callback', label: 'callback' },
];
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

type Condition = Extract<EscalationRule, { kind: 'condition' }>;

/**
 * Keyword rules and routing conditions (`rules[]` of the escalation config, @hub/escalation rules): each with
 * id, category (regulated ones win over the model), forced path; keywords, or criteria (intents, channels,
 * sentiment below, time window). Field errors come keyed `rules.<i>.<field>`.
 */
export function RulesEditor({
  rules,
  onChange,
  errors,
}: {
  rules: EscalationRule[];
  onChange: (r: EscalationRule[]) => void;
  errors: Record<string, string>;
}) {
  const set = (i: number, r: EscalationRule) => onChange(rules.map((x, j) => (j === i ? r : x)));
  const err = (i: number, f: string) => errors[`rules.${i}.${f}`];
  return (
    <Stack>
      {rules.length === 0 && (
        <Text size="sm" c="dimmed">
          No tenant rules: only the detectors and the built-in regulated-topic rules decide.
        </Text>
      )}
      {rules.map((r, i) => (
        <Card key={i} withBorder radius="md" padding="sm" component="fieldset" aria-label={`Rule ${i + 1}`}>
          <Stack gap="xs">
            <Group align="flex-start">
              <Badge mt={28}>{r.kind === 'keyword' ? 'keyword rule' : 'routing condition'}</Badge>
              <TextInput
                label="Rule id"
                value={r.id}
                onChange={(e) => set(i, { ...r, id: e.currentTarget.value })}
                error={err(i, 'id')}
              />
              <Select
                label="Category"
                data={CATEGORIES}
                value={r.category ?? 'general'}
                allowDeselect={false}
                onChange={(v) => v && set(i, { ...r, category: v as EscalationRule['category'] })}
                error={err(i, 'category')}
              />
              <Select
                label="Forced path"
                data={PATHS}
                value={r.path ?? ''}
                allowDeselect={false}
                onChange={(v) => set(i, { ...r, path: (v || undefined) as EscalationRule['path'] })}
              />
              <Checkbox
                mt={32}
                label="Enabled"
                checked={r.enabled !== false}
                onChange={(e) => set(i, { ...r, enabled: e.currentTarget.checked })}
              />
              <Button
                mt={26}
                variant="subtle"
                color="red"
                c="red.9"
                size="xs"
                onClick={() => onChange(rules.filter((_, j) => j !== i))}
              >
                Remove
              </Button>
            </Group>
            {r.kind === 'keyword' ? (
              <TextInput
                label="Keywords or phrases (comma-separated)"
                value={r.keywords.join(', ')}
                onChange={(e) => set(i, { ...r, keywords: list(e.currentTarget.value) })}
                error={err(i, 'keywords') ?? err(i, 'keywords.0')}
              />
            ) : (
              <ConditionFields r={r} onChange={(c) => set(i, c)} err={(f) => err(i, f)} />
            )}
          </Stack>
        </Card>
      ))}
      <Group>
        <Button
          variant="default"
          size="xs"
          onClick={() =>
            onChange([
              ...rules,
              {
                kind: 'keyword',
                id: `keyword-${rules.length + 1}`,
                keywords: [],
                category: 'general',
                enabled: true,
              },
            ])
          }
        >
          Add keyword rule
        </Button>
        <Button
          variant="default"
          size="xs"
          onClick={() =>
            onChange([
              ...rules,
              {
                kind: 'condition',
                id: `condition-${rules.length + 1}`,
                when: {},
                category: 'general',
                enabled: true,
              },
            ])
          }
        >
          Add routing condition
        </Button>
      </Group>
    </Stack>
  );
}

function ConditionFields({
  r,
  onChange,
  err,
}: {
  r: Condition;
  onChange: (r: Condition) => void;
  err: (f: string) => string | undefined;
}) {
  const w = r.when;
  const when = (p: Partial<Condition['when']>) => {
    const next = { ...w, ...p } as Record<string, unknown>;
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    onChange({ ...r, when: next as Condition['when'] });
  };
  const t = w.time;
  return (
    <Stack gap="xs">
      <Group grow align="flex-start">
        <TextInput
          label="Intents (comma-separated)"
          value={(w.intents ?? []).join(', ')}
          onChange={(e) =>
            when({ intents: list(e.currentTarget.value).length ? list(e.currentTarget.value) : undefined })
          }
          error={err('when.intents')}
        />
        <TextInput
          label="Channels (comma-separated)"
          value={(w.channels ?? []).join(', ')}
          onChange={(e) =>
            when({ channels: list(e.currentTarget.value).length ? list(e.currentTarget.value) : undefined })
          }
          error={err('when.channels')}
        />
        <NumberInput
          label="Sentiment below (-1…1)"
          step={0.1}
          decimalScale={2}
          value={w.sentimentBelow ?? ''}
          onChange={(v) => when({ sentimentBelow: typeof v === 'number' ? v : undefined })}
          error={err('when.sentimentBelow')}
        />
      </Group>
      <Group grow align="flex-start">
        <TextInput
          label="Time window from (HH:MM)"
          value={t?.from ?? ''}
          onChange={(e) =>
            when({
              time:
                e.currentTarget.value || t
                  ? { timeZone: t?.timeZone ?? 'UTC', to: t?.to ?? '', ...t, from: e.currentTarget.value }
                  : undefined,
            })
          }
          error={err('when.time.from')}
        />
        <TextInput
          label="to (HH:MM)"
          value={t?.to ?? ''}
          onChange={(e) =>
            when({
              time: { timeZone: t?.timeZone ?? 'UTC', from: t?.from ?? '', ...t, to: e.currentTarget.value },
            })
          }
          error={err('when.time.to')}
        />
        <TextInput
          label="Time zone"
          value={t?.timeZone ?? ''}
          onChange={(e) =>
            when({ time: { from: t?.from ?? '', to: t?.to ?? '', ...t, timeZone: e.currentTarget.value } })
          }
          error={err('when.time.timeZone')}
        />
        {t && (
          <Button variant="subtle" size="xs" mt={26} onClick={() => when({ time: undefined })}>
            No time window
          </Button>
        )}
      </Group>
      {err('when') && (
        <Text size="sm" c="red.9" role="alert">
          {err('when')}
        </Text>
      )}
    </Stack>
  );
}
