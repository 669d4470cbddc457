import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { formatIssues } from '@hub/contracts';
import { DocumentFormatError, makeDocument, type ParsedDocument } from './document';

/**
 * One JSON Lines row (like `data/retrieval/knowledge.jsonl`): `id`, `title`, `text`, optional
 * `entity` (what the document is about); any other fields are kept as metadata.
 */
export const KnowledgeRowSchema = z.looseObject({
  id: z.union([z.string().trim().min(1).max(500), z.number().int()]).transform(String),
  title: z.string().max(2000),
  text: z.string().trim().min(1, 'must not be empty').max(1_000_000),
  entity: z.string().max(500).nullish(),
});

/**
 * Streams documents out of a JSON Lines body, one row per line (blank lines skipped).
 * Rejects (throws {@link DocumentFormatError} naming the line and field) on invalid JSON, a row
 * that fails {@link KnowledgeRowSchema}, a line longer than `maxLineBytes`, or an id repeated
 * within the upload.
 */
export async function* parseJsonLines(
  body: Readable,
  opts: { maxLineBytes: number; maxChunkChars?: number },
): AsyncGenerator<ParsedDocument> {
  const rl = createInterface({ input: body, crlfDelay: Infinity });
  const seen = new Map<string, number>();
  let lineNo = 0;
  try {
    for await (const raw of rl) {
      lineNo += 1;
      const line = raw.trim();
      if (!line) continue;
      if (Buffer.byteLength(line) > opts.maxLineBytes) {
        throw new DocumentFormatError(`longer than ${opts.maxLineBytes} bytes`, lineNo);
      }
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (e) {
        throw new DocumentFormatError(`invalid JSON (${(e as Error).message})`, lineNo);
      }
      const parsed = KnowledgeRowSchema.safeParse(json);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new DocumentFormatError(
          formatIssues(parsed.error.issues).replace(/^[^:]*: /, ''),
          lineNo,
          first?.path.length ? first.path.join('.') : undefined,
        );
      }
      const { id, title, text, entity, ...rest } = parsed.data;
      const dup = seen.get(id);
      if (dup !== undefined) throw new DocumentFormatError(`duplicate of line ${dup}`, lineNo, 'id');
      seen.set(id, lineNo);
      yield makeDocument({
        externalId: id,
        title: title.trim() || id,
        entity: entity ?? null,
        format: 'jsonl',
        sections: [{ title: title.trim() || id, text }],
        metadata: rest,
        maxChunkChars: opts.maxChunkChars,
      });
    }
  } finally {
    rl.close();
  }
}
