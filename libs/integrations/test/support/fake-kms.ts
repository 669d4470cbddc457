import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** One request the fake received. */
export interface KmsCall {
  /** `X-Amz-Target` without the `TrentService.` prefix: `Encrypt`, `Decrypt`, `GenerateDataKey`. */
  operation: string;
  /** Whether its SigV4 `Authorization` verified against the fake's credentials. */
  signatureValid: boolean;
  body: Record<string, unknown>;
}

/** A local AWS KMS stand-in (see {@link startFakeKms}). */
export interface FakeKms {
  /** `http://127.0.0.1:<port>` — the SDK's `endpoint`. */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Key ARN of the one symmetric key; also reachable as `alias`. */
  keyArn: string;
  alias: string;
  calls: KmsCall[];
  close(): Promise<void>;
}

/**
 * Starts a local server that speaks AWS KMS's documented wire protocol (awsJson1_1: `POST /`,
 * `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: TrentService.<Operation>`, blobs as base64
 * in JSON, errors as HTTP 400 `{"__type": "<Exception>", "message"}`) for Encrypt, Decrypt and
 * GenerateDataKey with one symmetric key. Every request's Signature Version 4 is verified by
 * re-signing the signed headers with `@smithy/signature-v4` (service `kms`) and comparing; a bad one is
 * refused with `InvalidSignatureException`. Ciphertext blobs bind the key and the EncryptionContext
 * (AES-256-GCM, AAD = key ARN + context), so Decrypt with another context fails with
 * `InvalidCiphertextException`, as KMS does.
 */
export async function startFakeKms(): Promise<FakeKms> {
  const region = 'eu-west-1';
  const credentials = { accessKeyId: 'AKIDFAKEKMS0001', secretAccessKey: randomBytes(30).toString('base64') };
  const keyArn = `arn:aws:kms:${region}:111122223333:key/${randomUUID()}`;
  const alias = 'alias/hub-secrets';
  const material = randomBytes(32);
  const calls: KmsCall[] = [];
  const signer = new SignatureV4({ service: 'kms', region, credentials, sha256: Sha256 });

  const resolveKey = (id: unknown): string | null =>
    id === keyArn ||
    id === alias ||
    id === keyArn.split('/')[1] ||
    id === `arn:aws:kms:${region}:111122223333:${alias}`
      ? keyArn
      : null;
  const aad = (arn: string, ctx: unknown) =>
    Buffer.from(JSON.stringify([arn, Object.entries((ctx ?? {}) as Record<string, string>).sort()]));
  const seal = (plaintext: Buffer, arn: string, ctx: unknown): string => {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', material, iv);
    c.setAAD(aad(arn, ctx));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.from(`${arn}\n`), iv, c.getAuthTag(), ct]).toString('base64');
  };

  const verify = async (req: IncomingMessage, body: string): Promise<boolean> => {
    const auth = String(req.headers['authorization'] ?? '');
    const m =
      /Credential=([^/]+)\/\d{8}\/([^/]+)\/kms\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(
        auth,
      );
    if (!m || m[1] !== credentials.accessKeyId || m[2] !== region) return false;
    const headers: Record<string, string> = {};
    for (const h of m[3].split(';')) headers[h] = String(req.headers[h] ?? '');
    const amzDate = headers['x-amz-date'];
    const date = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const resigned = await signer.sign(
      new HttpRequest({
        method: req.method,
        protocol: 'http:',
        hostname: headers['host'],
        path: req.url ?? '/',
        headers,
        body,
      }),
      { signingDate: date },
    );
    return String(resigned.headers['authorization']).endsWith(`Signature=${m[4]}`);
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      void (async () => {
        const send = (status: number, payload: unknown) => {
          res
            .writeHead(status, { 'content-type': 'application/x-amz-json-1.1' })
            .end(JSON.stringify(payload));
        };
        const fail = (type: string, message: string) => send(400, { __type: type, message });
        const target = String(req.headers['x-amz-target'] ?? '');
        const operation = target.replace(/^TrentService\./, '');
        const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        const signatureValid = await verify(req, raw);
        calls.push({ operation, signatureValid, body });
        if (
          req.method !== 'POST' ||
          !String(req.headers['content-type']).startsWith('application/x-amz-json-1.1')
        )
          return fail('UnsupportedOperationException', 'expected POST application/x-amz-json-1.1');
        if (!signatureValid)
          return fail('InvalidSignatureException', 'The request signature we calculated does not match');
        if (operation === 'Encrypt' || operation === 'GenerateDataKey') {
          const arn = resolveKey(body['KeyId']);
          if (!arn) return fail('NotFoundException', `Key '${String(body['KeyId'])}' does not exist`);
          if (operation === 'Encrypt') {
            const plaintext = Buffer.from(String(body['Plaintext'] ?? ''), 'base64');
            return send(200, {
              CiphertextBlob: seal(plaintext, arn, body['EncryptionContext']),
              KeyId: arn,
              EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
            });
          }
          if (body['KeySpec'] !== 'AES_256')
            return fail('ValidationException', 'KeySpec must be AES_256 here');
          const dataKey = randomBytes(32);
          return send(200, {
            CiphertextBlob: seal(dataKey, arn, body['EncryptionContext']),
            Plaintext: dataKey.toString('base64'),
            KeyId: arn,
          });
        }
        if (operation === 'Decrypt') {
          const blob = Buffer.from(String(body['CiphertextBlob'] ?? ''), 'base64');
          const nl = blob.indexOf(0x0a);
          const arn = nl > 0 ? blob.subarray(0, nl).toString() : '';
          if (arn !== keyArn) return fail('InvalidCiphertextException', 'not a ciphertext of this account');
          if (body['KeyId'] !== undefined && resolveKey(body['KeyId']) !== arn)
            return fail(
              'IncorrectKeyException',
              'The key ID in the request does not identify the key of the ciphertext',
            );
          const rest = blob.subarray(nl + 1);
          try {
            const d = createDecipheriv('aes-256-gcm', material, rest.subarray(0, 12));
            d.setAAD(aad(arn, body['EncryptionContext']));
            d.setAuthTag(rest.subarray(12, 28));
            const plaintext = Buffer.concat([d.update(rest.subarray(28)), d.final()]);
            return send(200, {
              Plaintext: plaintext.toString('base64'),
              KeyId: arn,
              EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
            });
          } catch {
            return fail('InvalidCiphertextException', 'ciphertext or encryption context does not match');
          }
        }
        return fail('UnsupportedOperationException', `operation ${operation} is not served by this fake`);
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    credentials,
    keyArn,
    alias,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
