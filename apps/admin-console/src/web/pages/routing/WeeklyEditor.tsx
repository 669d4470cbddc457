import { Button, Group, Select, Stack, TextInput } from '@mantine/core';
import type { WeeklyInterval } from './types';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Weekly intervals (ISO weekday 1–7, local HH:mm start/end) with per-row field errors (`<prefix>.<i>.<field>`). */
export function WeeklyEditor({
  label,
  value,
  onChange,
  errors,
  prefix,
}: {
  label: string;
  value: WeeklyInterval[];
  onChange: (v: WeeklyInterval[]) => void;
  errors: Record<string, string>;
  prefix: string;
}) {
  const set = (i: number, patch: Partial<WeeklyInterval>) =>
    onChange(value.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  return (
    <Stack gap={6} role="group" aria-label={label}>
      {value.map((w, i) => (
        <Group key={i} gap="xs" align="flex-start">
          <Select
            aria-label={`${label} ${i + 1} day`}
            data={DAYS.map((d, k) => ({ value: String(k + 1), label: d }))}
            value={String(w.day)}
            allowDeselect={false}
            onChange={(v) => v && set(i, { day: Number(v) })}
            w={140}
            error={errors[`${prefix}.${i}.day`]}
          />
          <TextInput
            aria-label={`${label} ${i + 1} start`}
            value={w.start}
            onChange={(e) => set(i, { start: e.currentTarget.value })}
            w={100}
            error={errors[`${prefix}.${i}.start`]}
          />
          <TextInput
            aria-label={`${label} ${i + 1} end`}
            value={w.end}
            onChange={(e) => set(i, { end: e.currentTarget.value })}
            w={100}
            error={errors[`${prefix}.${i}.end`]}
          />
          <Button
            variant="subtle"
            color="red"
            c="red.9"
            size="xs"
            mt={4}
            onClick={() => onChange(value.filter((_, j) => j !== i))}
          >
            Remove
          </Button>
        </Group>
      ))}
      <Group gap="xs">
        <Button
          size="xs"
          variant="default"
          onClick={() => onChange([...value, { day: 1, start: '09:00', end: '17:00' }])}
        >
          Add interval
        </Button>
        <Button
          size="xs"
          variant="default"
          onClick={() => onChange([1, 2, 3, 4, 5].map((day) => ({ day, start: '09:00', end: '17:00' })))}
        >
          Mon–Fri 09–17
        </Button>
      </Group>
    </Stack>
  );
}
