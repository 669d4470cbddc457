/** Upload limits of one deployment. */
export interface FilePolicy {
  /** Largest accepted size, bytes. */
  maxBytes: number;
  /** Accepted MIME types (exact `type/subtype`, lower-case). */
  allowedTypes: readonly string[];
}

/** Why an upload is refused: HTTP status (413 too large, 415 type, 400 empty) and a message naming the limit. */
export interface FileRejection {
  status: 400 | 413 | 415;
  message: string;
}

/** `text/plain; charset=utf-8` → `text/plain`. */
export function baseMediaType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/**
 * Checks an upload against the policy.
 * @param sizeBytes size in bytes
 * @returns null when accepted, otherwise the rejection
 */
export function checkUpload(
  file: { sizeBytes: number; contentType: string },
  policy: FilePolicy,
): FileRejection | null {
  if (file.sizeBytes > policy.maxBytes) {
    return {
      status: 413,
      message: `file: larger than the limit of ${policy.maxBytes} bytes (FILE_MAX_BYTES)`,
    };
  }
  if (file.sizeBytes === 0) return { status: 400, message: 'file: is empty' };
  const type = baseMediaType(file.contentType);
  if (!policy.allowedTypes.includes(type)) {
    return {
      status: 415,
      message: `file: type ${type || '(none)'} is not allowed; allowed: ${policy.allowedTypes.join(', ')} (FILE_ALLOWED_TYPES)`,
    };
  }
  return null;
}

/** Strips path separators and control characters from a client file name (max 255 chars). */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim();
  return (cleaned || 'file').slice(0, 255);
}

/**
 * Customer-supplied file links (inbound `file` messages from the bot platform) must be `https:` URLs:
 * the agent's browser opens them, so a plain-http link could be tampered with in transit or point at
 * `javascript:`/`data:` content.
 * @returns null when acceptable, else the problem naming the field (`file.url: …`)
 */
export function customerFileUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'file.url: must be an absolute https:// URL';
  }
  return parsed.protocol === 'https:' ? null : `file.url: must be an https:// URL, not ${parsed.protocol}`;
}
