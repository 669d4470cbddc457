import { Injectable } from '@nestjs/common';
import { GenesysAgentTokenRepository } from '../genesys/genesys-agent-token.repository';

/** Longest time a Salesforce grant is kept, seconds (Salesforce's default session timeout is 2 hours). */
export const SALESFORCE_GRANT_MAX_TTL_S = 7_200;

/**
 * The Salesforce user's access token from the token exchange, kept server side (sealed with the service's
 * KEKs, like the Genesys grants: same record, AAD and owner check) under `<ns>assist:salesforce-grant:<gid>`,
 * so "Save summary" can update the work record as that user; `gid` is the session token's claim. At most
 * {@link SALESFORCE_GRANT_MAX_TTL_S}: a longer shift exchanges the token again.
 */
@Injectable()
export class SalesforceAgentTokenRepository extends GenesysAgentTokenRepository {
  protected override readonly prefix = 'salesforce-grant';
  protected override readonly maxTtlS = SALESFORCE_GRANT_MAX_TTL_S;
}
