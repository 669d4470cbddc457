import { Badge, Button, Group, Stack, Text, Title } from '@mantine/core';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
import { DataTable } from '../../components/DataTable';
import { EmptyState, ErrorState, Loading } from '../../components/states';

interface Series {
  tenantId: string;
  source: string;
  topic: string;
  events: number;
  ratePerMinute: number;
  lastSeen: string;
  errors: number;
}
interface Lag {
  group: string;
  topic: string;
  lag: number;
}
interface Health {
  windowSeconds: number;
  series: Series[];
  consumerLag: Lag[] | null;
  at: string;
}

/**
 * Operations › Service health (issue 15): per connector / producing service and topic of the tenant, events
 * arriving (count and rate in the window, last seen) and errors (dead letters), from ops-service
 * `GET /v1/ops/health`; consumer lag per group for platform admins.
 */
export default function ServiceHealthPage() {
  const health = useApi(() => api.get<Health>('ops', '/v1/ops/health'));
  const h = health.data;
  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          Events arriving per connector and topic
          {h ? ` in the last ${Math.round(h.windowSeconds / 60)} min` : ''}, and the dead letters among them.
        </Text>
        <Button variant="default" onClick={health.reload}>
          Refresh
        </Button>
      </Group>
      {health.loading && <Loading label="Loading service health…" />}
      {!health.loading && health.error != null && (
        <ErrorState title="Service health could not be loaded" error={health.error} onRetry={health.reload} />
      )}
      {!health.loading && h && h.series.length === 0 && (
        <EmptyState title="No events yet">
          No connector or service has published events for this tenant since ops-service started.
        </EmptyState>
      )}
      {!health.loading && h && h.series.length > 0 && (
        <DataTable
          striped
          testId="health-table"
          rows={h.series}
          rowKey={(s) => `${s.source}|${s.topic}`}
          rowProps={(s) => ({ 'data-source': s.source })}
          columns={[
            { header: 'Connector / service', cell: (s) => s.source },
            { header: 'Topic', cell: (s) => s.topic },
            { header: 'Events', cell: (s) => s.events },
            { header: 'Rate (per min)', cell: (s) => s.ratePerMinute },
            { header: 'Last seen', cell: (s) => (s.lastSeen ? new Date(s.lastSeen).toLocaleString() : '—') },
            {
              header: 'Errors',
              cell: (s) => <Badge color={s.errors ? 'red.8' : 'green.9'}>{s.errors}</Badge>,
            },
          ]}
        />
      )}
      {h?.consumerLag && (
        <>
          <Title order={2} size="h4">
            Consumer lag
          </Title>
          <DataTable
            rows={h.consumerLag}
            rowKey={(l) => `${l.group}|${l.topic}`}
            columns={[
              { header: 'Consumer group', cell: (l) => l.group },
              { header: 'Topic', cell: (l) => l.topic },
              { header: 'Lag (messages)', cell: (l) => l.lag },
            ]}
          />
        </>
      )}
      {h && h.consumerLag === null && (
        <Text size="sm" c="dimmed">
          Consumer lag is platform-wide: sign in with the platform-admin key to see it.
        </Text>
      )}
    </Stack>
  );
}
