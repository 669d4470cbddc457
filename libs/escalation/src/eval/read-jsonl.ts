import { readFileSync } from 'node:fs';
import type { z } from 'zod';

/** Error of an evaluation command's input, naming the file, line and field. */
export class EvalInputError extends Error {}

/**
 * Reads a JSONL file and validates each non-blank line with `schema`.
 * @throws EvalInputError naming the file, the 1-based line and the field of the first bad line.
 */
export function readJsonl<T>(path: string, schema: z.ZodType<T>): T[] {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EvalInputError(`${path}: ${(e as Error).message}`);
  }
  const out: T[] = [];
  raw.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new EvalInputError(`${path}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    const r = schema.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new EvalInputError(`${path}:${i + 1}: ${issue.path.join('.') || '(line)'}: ${issue.message}`);
    }
    out.push(r.data);
  });
  if (!out.length) throw new EvalInputError(`${path}: no lines`);
  return out;
}
