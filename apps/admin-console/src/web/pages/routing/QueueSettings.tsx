import { useState } from 'react';
import {
  Badge,
  Button,
  Card,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { api, ApiError, formErrors, issuesToErrors } from '../../api/client';
import { useApi } from '../../api/use-api';
import { FormError } from '../../components/FormError';
import { ErrorState, Loading } from '../../components/states';
import { BusinessHoursFormSchema, CallbackTeamFormSchema } from './schemas';
import type { Agent, Queue, WeeklyInterval } from './types';
import { WeeklyEditor } from './WeeklyEditor';

interface BusinessHoursView {
  schedule: {
    timeZone: string;
    weekly: WeeklyInterval[];
    overrides: unknown[];
    holidays: { country: string } | null;
  } | null;
  openNow: boolean;
  nextOpening: string | null;
  revision: number;
}
interface CallbackTeam {
  zone: string;
  weeklyHours: WeeklyInterval[];
  slotIntervalMin: number;
  minNoticeMin: number;
  queueSlaMin: number;
  agentEmail: string | null;
  calendarIntegrationId: string | null;
  /** Agents who take the team's callbacks (each booking goes to one free member); empty = team-level bookings. */
  members: CallbackMember[];
  /** Fields this page does not edit (overrides, holidays, buffer, durations) are kept as the API returned them. */
  [kept: string]: unknown;
}
interface CallbackMember {
  agentId: string;
  email: string | null;
}

const notFoundIsNull = async <T,>(p: Promise<T>): Promise<T | null> => {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
};

function BusinessHours({ queue }: { queue: Queue }) {
  const view = useApi(
    () => api.get<BusinessHoursView>('router', `/v1/queues/${queue.id}/business-hours`),
    [queue.id],
  );
  const [draft, setDraft] = useState<{ timeZone: string; weekly: WeeklyInterval[]; country: string } | null>(
    null,
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  if (view.loading) return <Loading label="Loading business hours…" />;
  if (view.error)
    return <ErrorState title="Business hours could not be loaded" error={view.error} onRetry={view.reload} />;
  const s = view.data?.schedule;
  const d = draft ?? {
    timeZone: s?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    weekly: s?.weekly ?? [],
    country: s?.holidays?.country ?? '',
  };
  async function save() {
    const body = {
      timeZone: d.timeZone,
      weekly: d.weekly,
      overrides: s?.overrides ?? [],
      holidays: d.country ? { country: d.country } : null,
    };
    const parsed = BusinessHoursFormSchema.safeParse(body);
    if (!parsed.success) return setErrors(issuesToErrors(parsed.error.issues));
    setErrors({});
    setBusy(true);
    try {
      await api.put('router', `/v1/queues/${queue.id}/business-hours`, body);
      setDraft(null);
      view.reload();
    } catch (e) {
      setErrors(formErrors(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Stack gap="sm">
      <Group>
        <Title order={3} size="h5">
          Business hours
        </Title>
        <Badge color={view.data?.openNow ? '#1f6e34' : 'red.9'}>
          {view.data?.openNow ? 'open now' : 'closed now'}
        </Badge>
        {!s && (
          <Text size="xs" c="dimmed">
            No schedule: always open.
          </Text>
        )}
      </Group>
      <Group align="flex-start">
        <TextInput
          label="Time zone"
          name="timeZone"
          value={d.timeZone}
          onChange={(e) => setDraft({ ...d, timeZone: e.currentTarget.value })}
          error={errors['timeZone']}
        />
        <TextInput
          label="Public holidays of (country)"
          name="holidays.country"
          placeholder="e.g. US"
          value={d.country}
          onChange={(e) => setDraft({ ...d, country: e.currentTarget.value.toUpperCase() })}
          error={errors['holidays.country'] ?? errors['holidays']}
          w={200}
        />
      </Group>
      <WeeklyEditor
        label="Opening hours"
        prefix="weekly"
        value={d.weekly}
        onChange={(weekly) => setDraft({ ...d, weekly })}
        errors={errors}
      />
      <FormError
        errors={errors}
        shown={[
          'timeZone',
          'holidays.country',
          'holidays',
          ...Object.keys(errors).filter((k) => k.startsWith('weekly.')),
        ]}
      />
      <Button onClick={save} loading={busy} w="fit-content">
        Save business hours
      </Button>
    </Stack>
  );
}

/**
 * The callback team's members: agents of the queue who take callbacks, each with an optional e-mail of their own
 * for confirmations and reminders (else the team's). Row fields are named `members.<i>.email` so the API's field
 * errors land next to them.
 */
function CallbackMembers({
  members,
  agents,
  errors,
  onChange,
}: {
  members: CallbackMember[];
  agents: Agent[];
  errors: Record<string, string>;
  onChange: (members: CallbackMember[]) => void;
}) {
  const name = new Map(agents.map((a) => [a.id, a.displayName]));
  const candidates = agents.filter((a) => !members.some((m) => m.agentId === a.id));
  const label = (id: string) => name.get(id) ?? id;
  return (
    <Stack gap="xs" role="group" aria-label="Callback team members">
      <Text size="sm" fw={500}>
        Members
      </Text>
      {members.length === 0 ? (
        <Text size="sm" c="dimmed">
          No members: bookings are made for the team, one at a time.
        </Text>
      ) : (
        members.map((m, i) => (
          <Group key={m.agentId} align="flex-end" data-testid="callback-member">
            <Text size="sm" w={200}>
              {label(m.agentId)}
              {!name.has(m.agentId) && (
                <Text span size="xs" c="dimmed">
                  {' '}
                  (not an agent of this queue)
                </Text>
              )}
            </Text>
            <TextInput
              label={`E-mail of ${label(m.agentId)}`}
              name={`members.${i}.email`}
              description="Empty: the team e-mail"
              value={m.email ?? ''}
              onChange={(e) =>
                onChange(
                  members.map((x, j) => (j === i ? { ...x, email: e.currentTarget.value || null } : x)),
                )
              }
              error={errors[`members.${i}.email`] ?? errors[`members.${i}.agentId`]}
            />
            <Button
              variant="subtle"
              color="red"
              c="red.9"
              aria-label={`Remove ${label(m.agentId)} from the callback team`}
              onClick={() => onChange(members.filter((_, j) => j !== i))}
            >
              Remove
            </Button>
          </Group>
        ))
      )}
      <Select
        label="Add member"
        name="addMember"
        placeholder={
          candidates.length ? 'Pick an agent of this queue' : 'Every agent of this queue is a member'
        }
        data={candidates.map((a) => ({ value: a.id, label: a.displayName }))}
        value={null}
        disabled={candidates.length === 0}
        onChange={(id) => id && onChange([...members, { agentId: id, email: null }])}
        maw={360}
        error={errors['members']}
      />
    </Stack>
  );
}

function CallbackTeamSettings({ queue, agents }: { queue: Queue; agents: Agent[] }) {
  const view = useApi(
    () => notFoundIsNull(api.get<CallbackTeam>('orchestrator', `/v1/callbacks/teams/${queue.id}`)),
    [queue.id],
  );
  const [draft, setDraft] = useState<CallbackTeam | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  if (view.loading) return <Loading label="Loading callback settings…" />;
  if (view.error)
    return (
      <ErrorState title="Callback settings could not be loaded" error={view.error} onRetry={view.reload} />
    );
  const d: CallbackTeam = draft ??
    view.data ?? {
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      weeklyHours: [],
      slotIntervalMin: 15,
      minNoticeMin: 60,
      queueSlaMin: 60,
      agentEmail: null,
      calendarIntegrationId: null,
      members: [],
    };
  const set = (p: Partial<CallbackTeam>) => {
    setSaved(false);
    setDraft({ ...d, ...p });
  };
  async function save() {
    const parsed = CallbackTeamFormSchema.safeParse(d);
    if (!parsed.success) return setErrors(issuesToErrors(parsed.error.issues));
    setErrors({});
    setBusy(true);
    try {
      // PUT replaces the team: what this page does not edit is sent back as it was read
      const { queueId: _id, ...kept }: Partial<CallbackTeam> = view.data ?? {};
      await api.put('orchestrator', `/v1/callbacks/teams/${queue.id}`, { ...kept, ...parsed.data });
      setSaved(true);
      setDraft(null);
      view.reload();
    } catch (e) {
      setErrors(formErrors(e));
    } finally {
      setBusy(false);
    }
  }
  const n = (v: string | number) => (typeof v === 'number' ? v : Number.NaN);
  return (
    <Stack gap="sm">
      <Group>
        <Title order={3} size="h5">
          Callback team
        </Title>
        {!view.data && (
          <Text size="xs" c="dimmed">
            Not set up: customers of this queue are not offered callbacks.
          </Text>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, md: 3 }}>
        <TextInput
          label="Team time zone"
          name="zone"
          value={d.zone}
          onChange={(e) => set({ zone: e.currentTarget.value })}
          error={errors['zone']}
        />
        <NumberInput
          label="Slot length (min)"
          name="slotIntervalMin"
          value={d.slotIntervalMin}
          onChange={(v) => set({ slotIntervalMin: n(v) })}
          error={errors['slotIntervalMin']}
        />
        <NumberInput
          label="Minimum notice (min)"
          name="minNoticeMin"
          value={d.minNoticeMin}
          onChange={(v) => set({ minNoticeMin: n(v) })}
          error={errors['minNoticeMin']}
        />
        <NumberInput
          label="Queue SLA (min)"
          name="queueSlaMin"
          value={d.queueSlaMin}
          onChange={(v) => set({ queueSlaMin: n(v) })}
          error={errors['queueSlaMin']}
        />
        <TextInput
          label="Team e-mail (confirmations)"
          name="agentEmail"
          value={d.agentEmail ?? ''}
          onChange={(e) => set({ agentEmail: e.currentTarget.value || null })}
          error={errors['agentEmail']}
        />
        <TextInput
          label="Calendar integration id"
          name="calendarIntegrationId"
          description="Empty: queue model"
          value={d.calendarIntegrationId ?? ''}
          onChange={(e) => set({ calendarIntegrationId: e.currentTarget.value || null })}
          error={errors['calendarIntegrationId']}
        />
      </SimpleGrid>
      <WeeklyEditor
        label="Callback hours"
        prefix="weeklyHours"
        value={d.weeklyHours}
        onChange={(weeklyHours) => set({ weeklyHours })}
        errors={errors}
      />
      <CallbackMembers
        members={d.members}
        agents={agents}
        errors={errors}
        onChange={(members) => set({ members })}
      />
      {errors['weeklyHours'] && (
        <Text c="red.9" size="sm" role="alert">
          {errors['weeklyHours']}
        </Text>
      )}
      <FormError
        errors={errors}
        shown={[
          'zone',
          'slotIntervalMin',
          'minNoticeMin',
          'queueSlaMin',
          'agentEmail',
          'calendarIntegrationId',
          'weeklyHours',
          'members',
          ...Object.keys(errors).filter((k) => k.startsWith('weeklyHours.') || k.startsWith('members.')),
        ]}
      />
      <Group>
        <Button onClick={save} loading={busy}>
          Save callback settings
        </Button>
        {saved && (
          <Text size="sm" c="#1f6e34" role="status">
            Callback settings saved
          </Text>
        )}
      </Group>
    </Stack>
  );
}

/** A queue's business hours (router) and callback team with its members (orchestrator, Settings › Teams). */
export function QueueSettings({ queue, agents }: { queue: Queue; agents: Agent[] }) {
  return (
    <Card withBorder radius="md" component="section" aria-label={`Settings of ${queue.name}`}>
      <Stack gap="lg">
        <BusinessHours key={`bh-${queue.id}`} queue={queue} />
        <CallbackTeamSettings key={`cb-${queue.id}`} queue={queue} agents={agents} />
      </Stack>
    </Card>
  );
}
