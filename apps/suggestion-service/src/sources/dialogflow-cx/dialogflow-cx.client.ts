import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { SessionsClient } from '@google-cloud/dialogflow-cx';
import * as grpc from '@grpc/grpc-js';
import { IntegrationStore, type LoadedIntegration } from '@hub/integrations';
import { cxSessionId, type CxDetectIntentResult } from './dialogflow-cx.mapper';

/** The tenant's Dialogflow CX agent (integration type `dialogflow_cx`). */
export type DialogflowCxIntegration = LoadedIntegration<'dialogflow_cx'>;

/** DetectIntent failed: `reason` is `timeout`, `refused` (auth / permission / not found) or `unavailable`. */
export class DialogflowCxError extends Error {
  constructor(
    readonly reason: 'timeout' | 'refused' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Dialogflow CX behind one small interface (suggestion source of `google_native` tenants): finds the tenant's
 * enabled `dialogflow_cx` integration and calls `Sessions.DetectIntent` (google.cloud.dialogflow.cx.v3) with the
 * official client, `@google-cloud/dialogflow-cx` (gRPC). One `SessionsClient` per integration version, closed
 * when the integration changes or the service stops. Credentials: the integration's service account key; with
 * `allowInsecure` plaintext gRPC without credentials (local test servers).
 */
@Injectable()
export class DialogflowCxClient implements OnModuleDestroy {
  private readonly clients = new Map<string, { version: number; client: SessionsClient }>();

  constructor(private readonly store: IntegrationStore) {}

  /** The tenant's enabled `dialogflow_cx` integration: present ⇔ the tenant is in `google_native` mode. */
  async findForTenant(tenantId: string): Promise<DialogflowCxIntegration | null> {
    return this.store.loadFirstEnabled(tenantId, 'dialogflow_cx');
  }

  /**
   * One text turn of the interaction's CX session (`projects/{p}/locations/{l}/agents/{a}/sessions/{id}`,
   * id from {@link cxSessionId}).
   * @param text the customer's utterance
   * @param languageCode BCP-47; default the integration's `languageCode`
   * @throws DialogflowCxError
   */
  async detectIntent(
    integration: DialogflowCxIntegration,
    tenantId: string,
    interactionId: string,
    text: string,
    languageCode?: string,
  ): Promise<CxDetectIntentResult> {
    const c = integration.config;
    const client = this.clientFor(integration);
    const session = client.projectLocationAgentSessionPath(
      c.projectId,
      c.location,
      c.agentId,
      cxSessionId(tenantId, interactionId),
    );
    try {
      const [res] = await client.detectIntent(
        { session, queryInput: { text: { text }, languageCode: languageCode ?? c.languageCode } },
        // a deadline for the whole call, the client's default retries (UNAVAILABLE) inside it
        { timeout: c.timeoutMs },
      );
      return res as CxDetectIntentResult;
    } catch (e) {
      const code = (e as { code?: number }).code;
      const msg = `Dialogflow CX DetectIntent: ${(e as Error).message}`.slice(0, 300);
      if (code === grpc.status.DEADLINE_EXCEEDED) throw new DialogflowCxError('timeout', msg);
      if (
        code === grpc.status.UNAUTHENTICATED ||
        code === grpc.status.PERMISSION_DENIED ||
        code === grpc.status.NOT_FOUND ||
        code === grpc.status.INVALID_ARGUMENT
      )
        throw new DialogflowCxError('refused', msg);
      throw new DialogflowCxError('unavailable', msg);
    }
  }

  private clientFor(integration: DialogflowCxIntegration): SessionsClient {
    const version = integration.updatedAt.getTime();
    const cached = this.clients.get(integration.id);
    if (cached?.version === version) return cached.client;
    if (cached) void cached.client.close().catch(() => undefined);
    const c = integration.config;
    const apiEndpoint =
      c.apiEndpoint ??
      (c.location === 'global' ? 'dialogflow.googleapis.com' : `${c.location}-dialogflow.googleapis.com`);
    const key = integration.secrets.serviceAccountKeyJson
      ? (JSON.parse(integration.secrets.serviceAccountKeyJson) as {
          client_email: string;
          private_key: string;
          project_id?: string;
        })
      : undefined;
    const client = new SessionsClient({
      apiEndpoint,
      port: c.port,
      projectId: c.projectId,
      ...(c.allowInsecure
        ? { sslCreds: grpc.credentials.createInsecure() }
        : key
          ? { credentials: { client_email: key.client_email, private_key: key.private_key } }
          : {}),
    });
    this.clients.set(integration.id, { version, client });
    return client;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.client.close().catch(() => undefined)));
    this.clients.clear();
  }
}
