import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Button, FileInput, Group, Progress, Stack, Text, TextInput } from '@mantine/core';
import { ApiError, api, formErrors } from '../../api/client';
import { uploadFile, type SendProgress } from '../../api/upload';
import { FormError } from '../../components/FormError';
import { contentTypeOf, type IngestResult, type KnowledgeBase, type UploadView } from './types';

/** How often the page polls the server-side progress of a running upload (ms). */
const POLL_MS = 400;

/**
 * Upload one file into a knowledge base (`POST /v1/knowledge-bases/{id}/documents`, all or nothing) with two
 * honest progress figures: the bytes the browser has sent, and what the suggestion service has parsed, chunked
 * and stored (`GET …/uploads/{uploadId}`, polled with the `Upload-Id` this page chose). JSON Lines files carry many
 * documents; a Markdown, HTML or text file is one document named by its file name (or the id typed).
 */
export function UploadDocuments({ kb, onDone }: { kb: KnowledgeBase; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [documentId, setDocumentId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [sent, setSent] = useState<SendProgress | null>(null);
  const [server, setServer] = useState<UploadView | null>(null);
  const [result, setResult] = useState<IngestResult | null>(null);
  const [busy, setBusy] = useState(false);
  const poll = useRef<ReturnType<typeof setInterval>>(undefined);
  useEffect(() => () => clearInterval(poll.current), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const fieldErrors: Record<string, string> = {};
    const contentType = file ? contentTypeOf(file.name) : undefined;
    if (!file) fieldErrors['file'] = 'Choose a file to upload';
    else if (!contentType) fieldErrors['file'] = 'Use a .jsonl, .md, .html or .txt file';
    else if (!file.size) fieldErrors['file'] = 'The file is empty';
    if (Object.keys(fieldErrors).length || !file || !contentType) return setErrors(fieldErrors);
    setErrors({});
    setResult(null);
    setServer(null);
    setSent({ sentBytes: 0, totalBytes: file.size });
    setBusy(true);
    const uploadId = crypto.randomUUID();
    const single = contentType !== 'application/x-ndjson';
    clearInterval(poll.current);
    poll.current = setInterval(() => {
      api
        .get<UploadView>('suggestion', `/v1/knowledge-bases/${kb.id}/uploads/${uploadId}`)
        .then(setServer, () => undefined); // 404 until the service has registered the upload
    }, POLL_MS);
    try {
      const r = await uploadFile<IngestResult>('suggestion', `/v1/knowledge-bases/${kb.id}/documents`, file, {
        contentType,
        headers: { 'upload-id': uploadId },
        query: single ? { documentId: documentId.trim() || file.name, title: file.name } : undefined,
        onSent: setSent,
      });
      setResult(r);
      // the final figures, under the id the service answered with (it is ours unless a proxy dropped the header)
      setServer(
        await api
          .get<UploadView>('suggestion', `/v1/knowledge-bases/${kb.id}/uploads/${r.uploadId}`)
          .catch(() => null),
      );
      onDone();
    } catch (err) {
      // a 400/413/415 is about the file's content (the service names the line and the row's field): show it on
      // the file field; other errors (409, 502, network) above the button
      const fe = formErrors(err);
      const status = err instanceof ApiError ? err.status : 0;
      setErrors(
        [400, 413, 415].includes(status)
          ? {
              file: Object.values(fe)[0] ?? 'The file was refused',
              ...(fe['documentId'] ? { documentId: fe['documentId'] } : {}),
            }
          : fe,
      );
    } finally {
      clearInterval(poll.current);
      setBusy(false);
    }
  }

  const total = server?.totalBytes ?? file?.size ?? 0;
  const processedPct = server && total ? Math.min(100, (100 * server.processedBytes) / total) : 0;
  const sentPct = sent && sent.totalBytes ? (100 * sent.sentBytes) / sent.totalBytes : 0;
  const done = server?.status === 'succeeded' || (!!result && !server);
  const pct = done ? 100 : Math.round(processedPct || sentPct * 0.99);

  return (
    <form onSubmit={submit} noValidate aria-label="Upload documents">
      <Stack gap="sm">
        <Group align="flex-start" grow>
          <FileInput
            label="Documents file"
            description="JSON Lines ({id, title, text, entity}), Markdown, HTML or plain text"
            placeholder="Choose a file"
            accept=".jsonl,.ndjson,.md,.markdown,.html,.htm,.txt"
            value={file}
            onChange={setFile}
            error={errors['file']}
          />
          <TextInput
            label="Document id (single-document files)"
            description="Defaults to the file name; ignored for JSON Lines"
            name="documentId"
            value={documentId}
            onChange={(e) => setDocumentId(e.currentTarget.value)}
            error={errors['documentId']}
          />
        </Group>
        <Group>
          <Button type="submit" loading={busy}>
            Upload
          </Button>
        </Group>
        {sent && (
          <Stack gap={4} data-testid="upload-progress">
            <Progress
              value={pct}
              aria-label="Upload progress"
              animated={busy}
              color={server?.status === 'failed' ? 'red' : undefined}
            />
            <Text size="sm" role="status" aria-live="polite">
              {done
                ? `Done: ${server?.processedDocuments ?? result?.documents} documents, ${server?.chunks ?? result?.chunks} chunks stored.`
                : server?.status === 'failed'
                  ? `Failed: ${server.error ?? 'see the error below'} — nothing was stored.`
                  : `Sent ${fmtBytes(sent.sentBytes)} of ${fmtBytes(sent.totalBytes)}` +
                    (server
                      ? ` · processed ${fmtBytes(server.processedBytes)}, ${server.processedDocuments} documents, ${server.chunks} chunks`
                      : '')}
            </Text>
          </Stack>
        )}
        <FormError errors={errors} shown={['file', 'documentId']} title="Not uploaded" />
      </Stack>
    </form>
  );
}

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
