import { useState, type FormEvent } from 'react';
import { Badge, Button, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { api, formErrors } from '../../api/client';
import { useApi } from '../../api/use-api';
import { FormError } from '../../components/FormError';
import { AsyncView, DataTable } from '../../components/DataTable';
import { EmptyState } from '../../components/states';
import { TryQuestion } from './TryQuestion';
import type { DocumentSummary, KnowledgeBase } from './types';
import { UploadDocuments } from './UploadDocuments';

/** Create a knowledge base (`POST /v1/knowledge-bases`); a duplicate name is a 409 shown on the name field. */
function CreateKnowledgeBase({ onCreated }: { onCreated: (kb: KnowledgeBase) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setErrors({ name: 'Give the knowledge base a name' });
    setErrors({});
    setBusy(true);
    try {
      const kb = await api.post<KnowledgeBase>('suggestion', '/v1/knowledge-bases', {
        name: name.trim(),
        description: description.trim() || null,
      });
      setName('');
      setDescription('');
      onCreated(kb);
    } catch (err) {
      const fe = formErrors(err);
      // 409 "name: … already exists" carries no field list: put it on the name field
      setErrors(fe['(form)']?.startsWith('name:') ? { name: fe['(form)'].slice(6).trim() } : fe);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} noValidate aria-label="New knowledge base">
      <Group align="flex-start">
        <TextInput
          label="Name"
          name="name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors['name']}
        />
        <TextInput
          style={{ flex: 1 }}
          label="Description"
          name="description"
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors['description']}
        />
        <Button type="submit" loading={busy} mt={25}>
          Create knowledge base
        </Button>
      </Group>
      <FormError errors={errors} shown={['name', 'description']} />
    </form>
  );
}

/** The documents of a knowledge base (`GET …/documents`, first 200) with delete. */
function Documents({
  kb,
  revision,
  onChange,
}: {
  kb: KnowledgeBase;
  revision: number;
  onChange: () => void;
}) {
  const docs = useApi(
    () =>
      api.get<{ items: DocumentSummary[] }>('suggestion', `/v1/knowledge-bases/${kb.id}/documents`, {
        query: { limit: 200 },
      }),
    [kb.id, revision],
  );
  async function remove(d: DocumentSummary) {
    if (!window.confirm(`Delete the document “${d.title}”?`)) return;
    await api.del('suggestion', `/v1/knowledge-bases/${kb.id}/documents/${encodeURIComponent(d.id)}`);
    onChange();
  }
  return (
    <AsyncView
      state={docs}
      loadingLabel="Loading documents…"
      errorTitle="Documents could not be loaded"
      isEmpty={(d) => d.items.length === 0}
      empty={
        <EmptyState title="No documents yet">
          Upload a JSON Lines file of articles, or a Markdown, HTML or text document, above.
        </EmptyState>
      }
    >
      {(data) => (
        <DataTable
          testId="documents"
          rows={data.items}
          rowKey={(d) => d.id}
          columns={[
            {
              header: 'Title',
              cell: (d) => (
                <>
                  <Text size="sm" fw={600}>
                    {d.title}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {d.id}
                  </Text>
                </>
              ),
            },
            { header: 'About', cell: (d) => d.entity ?? '—' },
            { header: 'Format', cell: (d) => d.format },
            { header: 'Chunks', cell: (d) => d.chunks },
            {
              header: 'Action',
              cell: (d) => (
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  c="red.9"
                  aria-label={`Delete ${d.title}`}
                  onClick={() => void remove(d)}
                >
                  Delete
                </Button>
              ),
            },
          ]}
        />
      )}
    </AsyncView>
  );
}

/**
 * Assist › Knowledge bases (seed 001, "Knowledge Base" per queue): the tenant's knowledge bases, create, upload
 * documents with progress, the document list, and "try a question" with the retrieved sources and scores.
 */
export default function KnowledgeBasesPage() {
  const list = useApi(() => api.get<{ items: KnowledgeBase[] }>('suggestion', '/v1/knowledge-bases'));
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [revision, setRevision] = useState(0);
  const items = list.data?.items ?? [];
  const selected = items.find((k) => k.id === selectedId) ?? null;
  const changed = () => {
    setRevision((r) => r + 1);
    list.reload();
  };

  return (
    <Stack>
      <Text c="dimmed" size="sm">
        What Agent Assist retrieves from for each queue (map queues on the Queue mapping page) and what the
        bot's retrieval-confidence check searches.
      </Text>
      <CreateKnowledgeBase
        onCreated={(kb) => {
          setSelectedId(kb.id);
          list.reload();
        }}
      />
      <AsyncView
        state={list}
        loadingLabel="Loading knowledge bases…"
        errorTitle="Knowledge bases could not be loaded"
        isEmpty={(d) => d.items.length === 0}
        empty={
          <EmptyState title="No knowledge bases yet">
            Create one above, then upload the articles agents and the bot should answer from.
          </EmptyState>
        }
      >
        {(d) => (
          <DataTable
            testId="knowledge-bases"
            rows={d.items}
            rowKey={(k) => k.id}
            rowProps={(k) => ({ 'aria-selected': k.id === selectedId })}
            columns={[
              {
                header: 'Name',
                cell: (k) => (
                  <>
                    <Text size="sm" fw={600}>
                      {k.name}
                    </Text>
                    {k.description && (
                      <Text size="xs" c="dimmed">
                        {k.description}
                      </Text>
                    )}
                  </>
                ),
              },
              { header: 'Documents', cell: (k) => k.documentCount },
              { header: 'Chunks', cell: (k) => k.chunkCount },
              {
                header: 'Retrieval',
                cell: (k) => (
                  <Badge variant="light">
                    {k.embeddingModel ? `lexical + ${k.embeddingModel}` : 'lexical'}
                  </Badge>
                ),
              },
              {
                header: 'Action',
                cell: (k) => (
                  <Button size="xs" variant="default" onClick={() => setSelectedId(k.id)}>
                    Open {k.name}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </AsyncView>
      {selected && (
        <Paper withBorder p="md" radius="md" data-testid="kb-detail">
          <Stack>
            <Title order={2} size="h3">
              {selected.name}
            </Title>
            <Title order={3} size="h4">
              Upload documents
            </Title>
            <UploadDocuments key={selected.id} kb={selected} onDone={changed} />
            <Title order={3} size="h4">
              Documents
            </Title>
            <Documents kb={selected} revision={revision} onChange={changed} />
            <Title order={3} size="h4">
              Try a question
            </Title>
            <TryQuestion key={`${selected.id}/${revision}`} kb={selected} />
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}
