import { ApiError, credentialHeaders, errorOf, type Service } from './client';

/** Bytes of the request body the browser has sent so far (XHR `upload.onprogress`). */
export interface SendProgress {
  sentBytes: number;
  totalBytes: number;
}

/** Options of {@link uploadFile}. */
export interface UploadOptions {
  contentType: string;
  query?: Record<string, string | undefined>;
  /** Extra request headers (e.g. the suggestion service's `Upload-Id`, to poll the server-side progress). */
  headers?: Record<string, string>;
  onSent?: (p: SendProgress) => void;
}

/**
 * POSTs a file (streamed by the browser) to `/api/<service><path>` with the signed-in credential, reporting the
 * bytes sent as they go. `fetch` cannot report upload progress, hence XMLHttpRequest.
 * @returns the parsed JSON answer
 * @throws ApiError on a non-2xx status (problem+json parsed, field errors mapped) or a network failure (status 0)
 */
export function uploadFile<T>(service: Service, path: string, file: Blob, o: UploadOptions): Promise<T> {
  const qs = o.query
    ? new URLSearchParams(
        Object.entries(o.query).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, v]])),
      ).toString()
    : '';
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/${service}${path}${qs ? `?${qs}` : ''}`);
    const headers = { accept: 'application/json', ...credentialHeaders(), ...o.headers };
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('content-type', o.contentType);
    xhr.upload.onprogress = (e) =>
      o.onSent?.({ sentBytes: e.loaded, totalBytes: e.lengthComputable ? e.total : file.size });
    xhr.onerror = () => reject(new ApiError(0, null, 'The console server is not reachable'));
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) return reject(errorOf(xhr.status, xhr.responseText));
      try {
        resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T);
      } catch (e) {
        reject(new ApiError(xhr.status, null, `Unreadable answer: ${(e as Error).message}`));
      }
    };
    xhr.send(file);
  });
}
