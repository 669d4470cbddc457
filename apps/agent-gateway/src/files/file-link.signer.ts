import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/**
 * Signs and checks download links for shared files so the bot platform can fetch a file without an
 * agent token: `?token=<JWT>` with claims `fid` (file id), `tid` (tenant), `exp` (HS256, RFC 7519).
 * Without a configured secret a random one is used (links then only work against this process); in
 * production FILE_URL_SECRET is mandatory (config fails fast), so every replica verifies every link.
 */
export class FileLinkSigner {
  private readonly key: Uint8Array;

  /** @param ttlSeconds link lifetime in seconds */
  constructor(
    secret: string | undefined,
    private readonly ttlSeconds: number,
  ) {
    this.key = secret ? new TextEncoder().encode(secret) : randomBytes(32);
  }

  async sign(tenantId: string, fileId: string): Promise<string> {
    return new SignJWT({ fid: fileId, tid: tenantId })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** @returns the tenant when the token is valid for this file, else null */
  async verify(token: string, fileId: string): Promise<string | null> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      return payload['fid'] === fileId && typeof payload['tid'] === 'string' ? payload['tid'] : null;
    } catch {
      return null;
    }
  }
}

export const FILE_LINK_SIGNER = Symbol('FILE_LINK_SIGNER');
