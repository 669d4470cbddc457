import { useState } from 'react';
import { Alert, Button, List, Stack, Text, ThemeIcon } from '@mantine/core';
import { api } from '../../api/client';
import type { Integration, TestReport } from './types';

/** Test Connection (`POST /v1/integrations/{id}/test`): each step with its outcome, the failing one named. */
export function TestConnection({ integration }: { integration: Integration }) {
  const [report, setReport] = useState<TestReport>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    setError(undefined);
    setReport(undefined);
    try {
      setReport(await api.post<TestReport>('orchestrator', `/v1/integrations/${integration.id}/test`));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Stack gap="xs" data-testid="test-connection">
      <Button onClick={run} loading={busy} variant="light" w="fit-content">
        Test connection
      </Button>
      {busy && (
        <Text size="sm" role="status">
          Testing {integration.name}…
        </Text>
      )}
      {error && (
        <Alert color="red" role="alert" title="Test Connection could not run">
          {error}
        </Alert>
      )}
      {report && (
        <Alert
          color={report.ok ? 'green' : 'red'}
          role="status"
          title={report.ok ? 'Connection works' : `Failed at step “${report.failedStep ?? '?'}”`}
        >
          <List spacing={4} size="sm" center>
            {report.steps.map((s) => (
              <List.Item
                key={s.step}
                data-step={s.step}
                data-ok={String(s.ok)}
                icon={
                  <ThemeIcon color={s.ok ? 'green.8' : 'red.8'} size={18} radius="xl" aria-hidden>
                    {s.ok ? '✓' : '✗'}
                  </ThemeIcon>
                }
              >
                <Text span fw={s.step === report.failedStep ? 700 : 400} size="sm">
                  {s.step} — {s.ok ? 'ok' : 'failed'}
                  {s.detail ? `: ${s.detail}` : ''}
                </Text>
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
    </Stack>
  );
}
