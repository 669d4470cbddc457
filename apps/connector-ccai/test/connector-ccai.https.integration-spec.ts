import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrismaClient, type PrismaClient } from '@hub/persistence';
import {
  KafkaProbe,
  createTestWorld,
  httpsApi,
  startService,
  waitFor,
  type RunningService,
  type TestWorld,
} from '@hub/testing';
import { createTestSigner, type TestSigner } from './support/oidc-test-keys';
import { CCAI, createCcaiIntegration, pushBody } from './support/ccai-fixtures';

jest.setTimeout(120_000);

const { audience: AUDIENCE, pushServiceAccount: PUSH_SA } = CCAI;
const conversation = 'projects/globex-prj/locations/global/conversations/conv-tls-1';

/**
 * A self-signed certificate for 127.0.0.1 made with the `openssl` CLI (Debian package), used both as the
 * server's certificate and as the only CA the client trusts.
 */
function selfSignedCertificate(): { certFile: string; keyFile: string; pem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ccai-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=connector-ccai.test',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
}

/**
 * The production entry point (`main.ts`, child process) with CCAI_TLS_CERT_FILE/CCAI_TLS_KEY_FILE serves
 * the push endpoint over HTTPS itself, as Pub/Sub push requires, and nothing over plain HTTP.
 */
describe('connector-ccai built-in HTTPS listener (real PostgreSQL and Kafka)', () => {
  let world: TestWorld;
  let prisma: PrismaClient;
  let signer: TestSigner;
  let connector: RunningService;
  let tls: ReturnType<typeof selfSignedCertificate>;
  const probe = new KafkaProbe();

  beforeAll(async () => {
    world = await createTestWorld();
    signer = await createTestSigner();
    tls = selfSignedCertificate();
    prisma = createPrismaClient(world.databaseUrl, 2);
    await createCcaiIntegration(world);
    connector = await startService(
      'connector-ccai',
      {
        ...world.env,
        CCAI_OIDC_JWKS_FILE: signer.jwksFile,
        CCAI_TLS_CERT_FILE: tls.certFile,
        CCAI_TLS_KEY_FILE: tls.keyFile,
      },
      { tlsCa: tls.pem },
    );
    // after the service start: it provisions the namespace's topics
    await probe.start([`${world.kafkaNamespace}hub.conversation.events.v1`]);
  });

  afterAll(async () => {
    await connector?.stop();
    await probe.stop();
    await prisma?.$disconnect();
    await world?.drop();
  });

  it('acknowledges an authenticated push over TLS only after the event is on Kafka', async () => {
    expect(connector.url).toMatch(/^https:\/\//);
    const token = await signer.token({ aud: AUDIENCE, email: PUSH_SA, email_verified: true });
    const res = await httpsApi(
      `${connector.url}/v1/pubsub/push`,
      'POST',
      tls.pem,
      pushBody({ conversation, type: 'CONVERSATION_STARTED' }, 'tls-1'),
      { authorization: `Bearer ${token}` },
    );
    expect(res.peerCn).toBe('connector-ccai.test');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'published', messageId: 'tls-1' });
    await waitFor(
      () =>
        probe
          .on(`${world.kafkaNamespace}hub.conversation.events.v1`)
          .some((m) => (m.json() as { causationId?: string }).causationId === 'pubsub:tls-1'),
      { what: 'conversation event from the TLS push on Kafka' },
    );
  });

  it('still verifies the OIDC token over TLS (401 without one)', async () => {
    const res = await httpsApi(
      `${connector.url}/v1/pubsub/push`,
      'POST',
      tls.pem,
      pushBody({ conversation, type: 'CONVERSATION_STARTED' }, 'tls-2'),
    );
    expect(res.status).toBe(401);
  });

  it('serves no plain HTTP on the TLS port and is rejected by a client that does not trust the certificate', async () => {
    const plain = `http://127.0.0.1:${connector.port}/healthz`;
    await expect(fetch(plain)).rejects.toThrow();
    const otherCa = selfSignedCertificate().pem;
    await expect(httpsApi(`${connector.url}/healthz`, 'GET', otherCa)).rejects.toThrow(
      /self.signed|certificate/i,
    );
  });
});
