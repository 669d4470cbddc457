import { Injectable } from '@nestjs/common';
import { OutboundHttp, redactVendorText } from '@hub/integrations';

/**
 * A Salesforce REST error mapped to a desktop-action reason: 401 `INVALID_SESSION_ID` → `token_refused`;
 * 403, or `INSUFFICIENT_ACCESS_OR_READONLY` (sharing: Salesforce answers it with 400) → `forbidden`; 404 `NOT_FOUND` → `not_a_participant` (no such
 * work record for this user); 400 (`INVALID_FIELD`, `FIELD_INTEGRITY_EXCEPTION`, …) and others → `vendor_error`.
 */
export class SalesforceApiError extends Error {
  constructor(
    readonly reason: 'token_refused' | 'forbidden' | 'not_a_participant' | 'vendor_error',
    message: string,
  ) {
    super(message);
    this.name = 'SalesforceApiError';
  }
}

/** Record-id shape of Salesforce (15 or 18 alphanumerics). */
export const SALESFORCE_ID = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;

/**
 * Salesforce REST API (sObject Rows, "Update a record"): `PATCH {myDomainUrl}/services/data/v{version}/sobjects/
 * {object}/{id}` with a JSON body of the fields → 204 No Content; errors are a JSON array
 * `[{message, errorCode, fields?}]`. Called with the user's own access token, so Salesforce applies that
 * user's field-level security and sharing. Through `OutboundHttp` (outbound URL policy, pinned connections,
 * no redirects), 10 s timeout; the token is redacted from any error text.
 */
@Injectable()
export class SalesforceRecordsClient {
  constructor(private readonly outbound: OutboundHttp) {}

  /**
   * @throws SalesforceApiError (refused / not found / invalid field)
   * @throws Error when the org could not be reached (the caller answers `unavailable`)
   */
  async updateRecord(
    myDomainUrl: string,
    accessToken: string,
    apiVersion: string,
    sobject: string,
    id: string,
    fields: Record<string, string>,
  ): Promise<void> {
    if (!SALESFORCE_ID.test(id))
      throw new SalesforceApiError('not_a_participant', `${id} is not a Salesforce record id`);
    const url = `${myDomainUrl.replace(/\/+$/, '')}/services/data/v${apiVersion}/sobjects/${encodeURIComponent(sobject)}/${id}`;
    const res = await this.outbound.request(url, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(fields),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text(1 << 16);
    if (res.status === 204 || res.status === 200) return;
    let detail = `HTTP ${res.status}`;
    try {
      const errs = JSON.parse(text) as { errorCode?: string; message?: string }[];
      if (Array.isArray(errs) && errs[0])
        detail = `${errs[0].errorCode ?? res.status}: ${errs[0].message ?? ''}`;
    } catch {
      // not JSON: keep the status
    }
    detail = redactVendorText(detail, { secrets: [accessToken] });
    if (/INSUFFICIENT_ACCESS/.test(detail))
      throw new SalesforceApiError('forbidden', `Salesforce refused the update (${detail})`);
    if (res.status === 401)
      throw new SalesforceApiError('token_refused', `Salesforce refused the token (${detail})`);
    if (res.status === 403)
      throw new SalesforceApiError('forbidden', `Salesforce refused the update (${detail})`);
    if (res.status === 404)
      throw new SalesforceApiError('not_a_participant', `no such ${sobject} (${detail})`);
    throw new SalesforceApiError('vendor_error', `Salesforce could not update the ${sobject} (${detail})`);
  }
}
