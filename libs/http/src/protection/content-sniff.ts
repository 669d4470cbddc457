import { filetypeinfo } from 'magic-bytes.js';

/** Media types whose content is text (checked as UTF-8, not by signature). */
const TEXT_TYPES = new Set([
  'application/json',
  'application/x-ndjson',
  'application/jsonl',
  'application/jsonlines',
  'application/xml',
]);

/** True for `text/*` and the JSON/XML text formats. */
export function isTextMediaType(type: string): boolean {
  return type.startsWith('text/') || TEXT_TYPES.has(type);
}

/** MIME types whose signature (magic bytes, `magic-bytes.js`) matches the start of `bytes`; [] when none. */
export function detectedTypes(bytes: Uint8Array): string[] {
  return [
    ...new Set(
      filetypeinfo(bytes.subarray(0, 4100))
        .map((t) => t.mime)
        .filter((m): m is string => !!m),
    ),
  ];
}

/**
 * Checks streamed text incrementally: valid UTF-8 (WHATWG `TextDecoder` with `fatal`) and no NUL or other
 * C0 control character except TAB, LF, FF and CR — so a binary file sent as text is refused however
 * it is labelled.
 */
export class TextContentGuard {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private first = true;

  /**
   * @returns null while the content is text so far, else why not (naming the detected type when its
   *          signature is known, e.g. `content is application/pdf, not text`)
   */
  push(chunk: Uint8Array): string | null {
    const head = this.first ? chunk : null;
    this.first = false;
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      return this.reason(head, 'is not valid UTF-8');
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000e-\u001f]/.test(text))
      return this.reason(head, 'contains binary control bytes');
    return null;
  }

  /** Call at the end of the content. @returns null, or why the content is not text (a truncated UTF-8 sequence). */
  end(): string | null {
    try {
      this.decoder.decode();
      return null;
    } catch {
      return 'content is not valid UTF-8 (truncated sequence at the end)';
    }
  }

  private reason(head: Uint8Array | null, what: string): string {
    const known = head ? detectedTypes(head)[0] : undefined;
    return known ? `content is ${known}, not text` : `content ${what}`;
  }
}

/**
 * Decides whether a file's content is what its declared media type says (magic bytes, not the client's
 * `Content-Type`): text types must be UTF-8 text ({@link TextContentGuard}); other types must carry their
 * own signature.
 * @param declared base media type (`image/png`)
 * @returns null when the content matches, else why not (e.g. `content is application/zip, not image/png`)
 */
export function contentMismatch(bytes: Uint8Array, declared: string): string | null {
  if (isTextMediaType(declared)) {
    const g = new TextContentGuard();
    return g.push(bytes) ?? g.end();
  }
  const found = detectedTypes(bytes);
  if (found.includes(declared)) return null;
  return found.length
    ? `content is ${found[0]}, not ${declared}`
    : `content is not ${declared} (unrecognised signature)`;
}
