import { useState, type FormEvent } from 'react';
import { Button, Card, Group, Paper, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { api, ApiError, formErrors } from '../../api/client';
import { useApi } from '../../api/use-api';
import { DataTable } from '../../components/DataTable';
import { EmptyState, ErrorState, Loading } from '../../components/states';
import { GROUP_BY, type GroupBy, type HandoffReport, type Rate } from './types';

const DAY = 86_400_000;
const pct = (r: Rate | undefined) => (r?.value == null ? '—' : `${(r.value * 100).toFixed(1)} %`);
const secs = (s: number | null) =>
  s == null ? '—' : s < 120 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

interface Filters {
  from: string;
  to: string;
  groupBy: GroupBy;
}

/** Client-side check of the filters, the same rules as the API (to after from, ≤ 366 days). */
export function validateFilters(f: Filters): Record<string, string> {
  const e: Record<string, string> = {};
  const from = Date.parse(f.from);
  const to = Date.parse(f.to);
  if (Number.isNaN(from)) e['from'] = 'Enter a date (YYYY-MM-DD)';
  if (Number.isNaN(to)) e['to'] = 'Enter a date (YYYY-MM-DD)';
  if (!e['from'] && !e['to']) {
    if (!(to > from)) e['to'] = 'must be after from';
    else if (to - from > 366 * DAY) e['to'] = 'window longer than 366 days';
  }
  return e;
}

function query(f: Filters, groupBy: GroupBy, format?: 'csv') {
  // `to` is inclusive in the form: the window ends at the start of the following day (UTC)
  return {
    from: new Date(`${f.from}T00:00:00Z`).toISOString(),
    to: new Date(Date.parse(`${f.to}T00:00:00Z`) + DAY).toISOString(),
    groupBy,
    format,
  };
}

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <Paper withBorder p="md" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={`stat-${label}`}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Paper>
  );
}

function ChartCard({ title, children }: { title: string; children: React.ReactElement }) {
  return (
    <Card withBorder radius="md" padding="md" component="section" aria-label={title}>
      <Title order={2} size="h4" mb="sm">
        {title}
      </Title>
      <div style={{ width: '100%', height: 240 }}>
        <ResponsiveContainer>{children}</ResponsiveContainer>
      </div>
    </Card>
  );
}

/** Reports & Trends › Handoff report (seed 003): the report API as charts and tables, filters, CSV export. */
export default function HandoffReportPage() {
  const today = new Date();
  const [draft, setDraft] = useState<Filters>({
    from: isoDay(new Date(today.getTime() - 29 * DAY)),
    to: isoDay(today),
    groupBy: 'queue',
  });
  const [filters, setFilters] = useState<Filters>(draft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [csvBusy, setCsvBusy] = useState(false);

  const report = useApi(async () => {
    const [main, byDay, byReason] = await Promise.all(
      [filters.groupBy, 'day' as const, 'reason' as const].map((g) =>
        api.get<HandoffReport>('orchestrator', '/v1/reports/handoffs', { query: query(filters, g) }),
      ),
    );
    return { main, byDay, byReason };
  }, [filters]);

  function apply(e: FormEvent) {
    e.preventDefault();
    const errs = validateFilters(draft);
    setErrors(errs);
    if (!Object.keys(errs).length) setFilters({ ...draft });
  }

  async function exportCsv() {
    setCsvBusy(true);
    try {
      const csv = await api.get<string>('orchestrator', '/v1/reports/handoffs', {
        query: query(filters, filters.groupBy, 'csv'),
        as: 'text',
      });
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `handoffs-${filters.from}-${filters.to}-by-${filters.groupBy}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setErrors(formErrors(e, 'query.'));
    } finally {
      setCsvBusy(false);
    }
  }

  const r = report.data;
  const pathRows = r
    ? ['live_agent', 'callback', 'form'].map((p) => ({
        path: p.replace('_', ' '),
        offered: r.main.paths.offered[p]?.numerator ?? 0,
        picked: r.main.paths.picked[p]?.numerator ?? 0,
      }))
    : [];

  return (
    <Stack>
      <form onSubmit={apply} noValidate aria-label="Report filters">
        <Group align="flex-start">
          <TextInput
            type="date"
            label="From"
            name="from"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.currentTarget.value })}
            error={errors['from']}
          />
          <TextInput
            type="date"
            label="To (inclusive)"
            name="to"
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.currentTarget.value })}
            error={errors['to']}
          />
          <Select
            label="Group by"
            name="groupBy"
            data={GROUP_BY.map((g) => ({ value: g, label: g }))}
            value={draft.groupBy}
            onChange={(v) => v && setDraft({ ...draft, groupBy: v as GroupBy })}
            allowDeselect={false}
            error={errors['groupBy']}
          />
          <Button type="submit" mt={25}>
            Apply
          </Button>
          <Button variant="default" mt={25} onClick={exportCsv} loading={csvBusy} disabled={!r}>
            Export CSV
          </Button>
        </Group>
        {errors['(form)'] && (
          <Text c="red.9" size="sm" role="alert">
            {errors['(form)']}
          </Text>
        )}
      </form>

      {report.loading && <Loading label="Computing the report…" />}
      {!report.loading && report.error != null && (
        <ErrorState
          title="The report could not be loaded"
          error={
            report.error instanceof ApiError && Object.keys(report.error.fieldErrors).length
              ? new Error(
                  Object.entries(report.error.fieldErrors)
                    .map(([f, m]) => `${f}: ${m}`)
                    .join('; '),
                )
              : report.error
          }
          onRetry={report.reload}
        />
      )}
      {!report.loading && r && r.main.handoffs === 0 && r.main.paths.escalatingDecisions === 0 && (
        <EmptyState title="No handoffs in this window">
          Nothing was escalated between {filters.from} and {filters.to}. Widen the window, or check that the
          bot platform sends handoffs to this tenant.
        </EmptyState>
      )}
      {!report.loading && r && (r.main.handoffs > 0 || r.main.paths.escalatingDecisions > 0) && (
        <>
          <SimpleGrid cols={{ base: 2, md: 3, lg: 6 }}>
            <Stat label="Handoffs" value={String(r.main.handoffs)} />
            <Stat
              label="Handoff rate"
              value={pct(r.main.handoffRate)}
              hint={r.main.handoffRate.denominatorLabel}
            />
            <Stat label="Pickup p50" value={secs(r.main.timeToPickupP50Seconds)} />
            <Stat label="Pickup p90" value={secs(r.main.timeToPickupP90Seconds)} />
            <Stat label="Abandoned" value={pct(r.main.abandonedBeforePickup)} hint="before pickup" />
            <Stat
              label="Callback fulfilment"
              value={pct(r.main.fulfilment)}
              hint={`${r.main.completed} of ${r.main.due} due`}
            />
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, lg: 2 }}>
            <ChartCard title="Handoffs and handoff rate per day">
              <LineChart
                data={r.byDay.groups.map((g) => ({
                  day: g.key,
                  handoffs: g.handoffs,
                  rate: g.handoffRate?.value == null ? null : Math.round(g.handoffRate.value * 1000) / 10,
                }))}
              >
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" />
                <YAxis yAxisId="n" allowDecimals={false} />
                <YAxis yAxisId="r" orientation="right" unit=" %" />
                <Tooltip />
                <Legend />
                <Line
                  yAxisId="n"
                  type="monotone"
                  dataKey="handoffs"
                  stroke="#364fc7"
                  isAnimationActive={false}
                />
                <Line
                  yAxisId="r"
                  type="monotone"
                  dataKey="rate"
                  name="handoff rate %"
                  stroke="#c2255c"
                  isAnimationActive={false}
                />
              </LineChart>
            </ChartCard>
            <ChartCard title="Handoffs by reason">
              <BarChart data={r.byReason.groups.map((g) => ({ reason: g.key, handoffs: g.handoffs }))}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="reason" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Bar dataKey="handoffs" fill="#364fc7" isAnimationActive={false} />
              </BarChart>
            </ChartCard>
            <ChartCard title="Paths offered vs picked">
              <BarChart data={pathRows}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="path" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="offered" fill="#868e96" isAnimationActive={false} />
                <Bar dataKey="picked" fill="#2b8a3e" isAnimationActive={false} />
              </BarChart>
            </ChartCard>
            <ChartCard title={`Time to pickup (p50 / p90, seconds) by ${filters.groupBy}`}>
              <BarChart
                data={r.main.groups.map((g) => ({
                  key: g.key,
                  p50: g.timeToPickupP50Seconds,
                  p90: g.timeToPickupP90Seconds,
                }))}
              >
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="key" />
                <YAxis unit=" s" />
                <Tooltip />
                <Legend />
                <Bar dataKey="p50" fill="#4c6ef5" isAnimationActive={false} />
                <Bar dataKey="p90" fill="#e8590c" isAnimationActive={false} />
              </BarChart>
            </ChartCard>
          </SimpleGrid>
          <Card withBorder radius="md" component="section" aria-label={`By ${filters.groupBy}`}>
            <Title order={2} size="h4" mb="sm">
              By {filters.groupBy}
            </Title>
            <DataTable
              striped
              bordered={false}
              testId="report-groups"
              rows={r.main.groups}
              rowKey={(g) => g.key}
              columns={[
                { header: filters.groupBy, cell: (g) => g.key },
                { header: 'Handoffs', cell: (g) => g.handoffs },
                { header: 'Share', cell: (g) => pct(g.share) },
                { header: 'Accepted', cell: (g) => g.accepted },
                { header: 'Pickup p50', cell: (g) => secs(g.timeToPickupP50Seconds) },
                { header: 'Pickup p90', cell: (g) => secs(g.timeToPickupP90Seconds) },
                { header: 'Abandoned', cell: (g) => pct(g.abandonedBeforePickup) },
                { header: 'Callbacks done / due', cell: (g) => `${g.completed} / ${g.due}` },
              ]}
            />
          </Card>
          {r.main.knowledgeGaps.length > 0 && (
            <Card withBorder radius="md" component="section" aria-label="Knowledge gaps">
              <Title order={2} size="h4" mb="sm">
                Knowledge gaps (intents most often handed off)
              </Title>
              <DataTable
                striped
                bordered={false}
                rows={r.main.knowledgeGaps}
                rowKey={(k) => k.intent}
                columns={[
                  { header: 'Intent', cell: (k) => k.intent },
                  { header: 'Conversations', cell: (k) => k.conversations },
                  { header: 'Handed off', cell: (k) => k.handedOff },
                  { header: 'Rate', cell: (k) => pct(k.handoffRate) },
                ]}
              />
            </Card>
          )}
        </>
      )}
    </Stack>
  );
}
