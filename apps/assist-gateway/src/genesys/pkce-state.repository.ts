import { Inject, Injectable } from '@nestjs/common';
import { REALTIME_BUS, type RealtimeBus } from '@hub/realtime';
import { ASSIST_CONFIG } from '../tokens.di';
import type { AssistGatewayConfig } from '../config';

/** A Genesys sign-in in progress, between the authorize redirect and the callback. */
export interface PendingLogin {
  tenantId: string;
  integrationId: string;
  /** RFC 7636 code_verifier; never leaves the gateway. */
  codeVerifier: string;
  /** OpenID Connect nonce, when an id_token is expected. */
  nonce?: string;
  /** Genesys conversation id the Interaction Widget was opened for. */
  conversationId: string;
}

/**
 * Pending logins in Redis under `<ns>assist:pkce:<state>` for PKCE_STATE_TTL_S; `take` is a
 * GETDEL, so a state (and its code_verifier) can be used once.
 */
@Injectable()
export class PkceStateRepository {
  constructor(
    @Inject(REALTIME_BUS) private readonly bus: RealtimeBus,
    @Inject(ASSIST_CONFIG) private readonly config: AssistGatewayConfig,
  ) {}

  private key(state: string): string {
    return this.bus.name(`assist:pkce:${state}`);
  }

  async save(state: string, login: PendingLogin): Promise<void> {
    await this.bus.publisher.set(this.key(state), JSON.stringify(login), 'EX', this.config.PKCE_STATE_TTL_S);
  }

  /** Removes and returns the pending login, or null when unknown, used or expired. */
  async take(state: string): Promise<PendingLogin | null> {
    const v = await this.bus.publisher.getdel(this.key(state));
    return v ? (JSON.parse(v) as PendingLogin) : null;
  }
}
