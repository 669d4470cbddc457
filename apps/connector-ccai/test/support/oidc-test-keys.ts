import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';

/** A local "Google" signing key: JWKS written to a file (CCAI_OIDC_JWKS_FILE) and a token minter. */
export interface TestSigner {
  jwksFile: string;
  /** Mints a push token like Google's (RS256, iss accounts.google.com); `overrides` change claims/signing. */
  token: (
    claims: Record<string, unknown>,
    opts?: { issuer?: string; expiresIn?: string | number; key?: CryptoKey; kid?: string },
  ) => Promise<string>;
  /** A key that is NOT in the published set (for "signed by someone else"). */
  foreignKey: CryptoKey;
}

export async function createTestSigner(): Promise<TestSigner> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const dir = mkdtempSync(join(tmpdir(), 'ccai-jwks-'));
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  return {
    jwksFile,
    foreignKey: foreign.privateKey,
    token: async (claims, opts = {}) => {
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'test-key-1', typ: 'JWT' })
        .setIssuer(opts.issuer ?? 'https://accounts.google.com')
        .setIssuedAt(
          typeof opts.expiresIn === 'number' && opts.expiresIn < 0
            ? Math.floor(Date.now() / 1000) - 7200
            : undefined,
        );
      jwt.setExpirationTime(
        typeof opts.expiresIn === 'number'
          ? Math.floor(Date.now() / 1000) + opts.expiresIn
          : (opts.expiresIn ?? '5m'),
      );
      return jwt.sign(opts.key ?? privateKey);
    },
  };
}
