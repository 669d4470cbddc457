import { useState, type FormEvent } from 'react';
import { Badge, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { api, formErrors } from '../../api/client';
import { FormError } from '../../components/FormError';
import { EmptyState } from '../../components/states';
import type { KnowledgeBase, SearchResult } from './types';

/**
 * "Try a question": the suggestion service's own retrieval (`POST /v1/knowledge-bases/{id}/search`, the ranking
 * Agent Assist and the escalation decision use) shown as sources with their scores, and the retrieval confidence
 * against the tenant's threshold (below it the bot should not answer from this knowledge base).
 */
export function TryQuestion({ kb }: { kb: KnowledgeBase }) {
  const [query, setQuery] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<SearchResult | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!query.trim()) return setErrors({ query: 'Type a question a customer would ask' });
    setErrors({});
    setBusy(true);
    try {
      setResult(
        await api.post<SearchResult>('suggestion', `/v1/knowledge-bases/${kb.id}/search`, {
          query: query.trim(),
          topK: 5,
        }),
      );
    } catch (err) {
      setErrors(formErrors(err));
      setResult(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="sm">
      <form onSubmit={submit} noValidate aria-label="Try a question">
        <Group align="flex-end">
          <TextInput
            style={{ flex: 1 }}
            label="Question"
            name="query"
            placeholder="e.g. Does the hotel have free parking?"
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
            error={errors['query']}
          />
          <Button type="submit" loading={busy}>
            Search
          </Button>
        </Group>
        <FormError errors={errors} shown={['query']} title="Search failed" />
      </form>
      {result && (
        <Stack gap="xs" data-testid="search-result">
          <Group gap="xs">
            <Text size="sm">Retrieval confidence</Text>
            <Badge color={result.confident ? '#1f6e34' : 'red.9'}>
              {result.confidence.toFixed(2)} {result.confident ? '≥' : '<'} threshold{' '}
              {result.threshold.toFixed(2)}
            </Badge>
            <Text size="sm" c="dimmed">
              {result.mode === 'hybrid' ? 'lexical + dense (fused)' : 'lexical'} ranking
            </Text>
          </Group>
          {result.chunks.length === 0 ? (
            <EmptyState title="No source matched">
              Nothing in this knowledge base answers the question; the bot would hand over or say it does not
              know.
            </EmptyState>
          ) : (
            <Table withTableBorder data-testid="sources">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>Source</Table.Th>
                  <Table.Th>Passage</Table.Th>
                  <Table.Th>Score</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.chunks.map((c, i) => (
                  <Table.Tr key={c.chunkId}>
                    <Table.Td>{i + 1}</Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {c.title ?? c.documentId}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {c.documentId}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" lineClamp={3}>
                        {c.text}
                      </Text>
                    </Table.Td>
                    <Table.Td data-testid="score">{c.score.toFixed(3)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      )}
    </Stack>
  );
}
