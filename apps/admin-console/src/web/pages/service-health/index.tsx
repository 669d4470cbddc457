import { Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { api } from '../../api/client';
import { useApi } from '../../api/use-api';
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
        <Table striped withTableBorder data-testid="health-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Connector / service</Table.Th>
              <Table.Th>Topic</Table.Th>
              <Table.Th>Events</Table.Th>
              <Table.Th>Rate (per min)</Table.Th>
              <Table.Th>Last seen</Table.Th>
              <Table.Th>Errors</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {h.series.map((s) => (
              <Table.Tr key={`${s.source}|${s.topic}`} data-source={s.source}>
                <Table.Td>{s.source}</Table.Td>
                <Table.Td>{s.topic}</Table.Td>
                <Table.Td>{s.events}</Table.Td>
                <Table.Td>{s.ratePerMinute}</Table.Td>
                <Table.Td>{s.lastSeen ? new Date(s.lastSeen).toLocaleString() : '—'}</Table.Td>
                <Table.Td>
                  <Badge color={s.errors ? 'red.8' : 'green.9'}>{s.errors}</Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {h?.consumerLag && (
        <>
          <Title order={2} size="h4">
            Consumer lag
          </Title>
          <Table withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Consumer group</Table.Th>
                <Table.Th>Topic</Table.Th>
                <Table.Th>Lag (messages)</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {h.consumerLag.map((l) => (
                <Table.Tr key={`${l.group}|${l.topic}`}>
                  <Table.Td>{l.group}</Table.Td>
                  <Table.Td>{l.topic}</Table.Td>
                  <Table.Td>{l.lag}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
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
