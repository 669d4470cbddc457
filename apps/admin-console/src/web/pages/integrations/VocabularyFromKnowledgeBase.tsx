import { useEffect, useState } from 'react';
import { Button, Group, Select, Text } from '@mantine/core';
import { vocabularyFromEntityNames } from '@hub/integration-schemas';
import { api } from '../../api/client';
import type { KnowledgeBase, VocabularyEntry } from '../knowledge-bases/types';

/**
 * "Fill from knowledge base" for the AudioHook integration's `vocabulary` (issue 16): the entity names of a
 * knowledge base (suggestion-service `GET /v1/knowledge-bases/{id}/vocabulary`, most documented first), title-cased
 * and merged after the phrases already in the field (no duplicates, at most 500). `value` / `onChange` are the
 * field's JSON text, as the form keeps it.
 */
export function VocabularyFromKnowledgeBase({
  value,
  onChange,
}: {
  value: string;
  onChange: (json: string) => void;
}) {
  const [kbs, setKbs] = useState<KnowledgeBase[] | null>(null);
  const [kbId, setKbId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    api
      .get<{ items: KnowledgeBase[] }>('suggestion', '/v1/knowledge-bases')
      .then((r) => setKbs(r.items))
      .catch((e: unknown) => {
        setKbs([]);
        setMessage({ ok: false, text: `Knowledge bases not available: ${(e as Error).message}` });
      });
  }, []);

  async function fill() {
    if (!kbId) return;
    setBusy(true);
    setMessage(null);
    try {
      const r = await api.get<{ items: VocabularyEntry[] }>(
        'suggestion',
        `/v1/knowledge-bases/${kbId}/vocabulary`,
      );
      let current: string[] = [];
      try {
        const parsed: unknown = value.trim() ? JSON.parse(value) : [];
        if (Array.isArray(parsed)) current = parsed.filter((p): p is string => typeof p === 'string');
      } catch {
        setMessage({ ok: false, text: 'The vocabulary field is not a JSON list; fix it first' });
        return;
      }
      const merged = vocabularyFromEntityNames([...current, ...r.items.map((i) => i.name)]);
      onChange(JSON.stringify(merged));
      setMessage({
        ok: true,
        text: `${merged.length - vocabularyFromEntityNames(current).length} names added (${merged.length} phrases)`,
      });
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div>
      <Group align="flex-end" gap="xs">
        <Select
          label="Knowledge base for the vocabulary"
          name="vocabularyKnowledgeBase"
          placeholder={kbs === null ? 'loading…' : kbs.length ? 'choose one' : 'no knowledge bases'}
          data={(kbs ?? []).map((k) => ({ value: k.id, label: `${k.name} (${k.documentCount} documents)` }))}
          value={kbId}
          onChange={setKbId}
          disabled={!kbs?.length}
        />
        <Button variant="light" onClick={() => void fill()} disabled={!kbId} loading={busy}>
          Fill from knowledge base
        </Button>
      </Group>
      {message && (
        <Text size="sm" c={message.ok ? 'dimmed' : 'red'} role="status" mt={4}>
          {message.text}
        </Text>
      )}
    </div>
  );
}
