import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A token the stand-in knows: whose it is, which connected app it was issued to, whether it is active. */
export interface FakeSalesforceToken {
  orgId: string;
  userId: string;
  username: string;
  clientId: string;
  active?: boolean;
}

/**
 * A stand-in for a Salesforce org's My Domain, speaking the OpenID Connect endpoints' wire format
 * (Salesforce Help: "OpenID Connect UserInfo Endpoint", "OpenID Connect Token Introspection Endpoint"):
 *  - `GET /services/oauth2/userinfo` (Bearer) → `{sub: "https://login.salesforce.com/id/<org>/<user>",
 *    user_id, organization_id, preferred_username, …}`; 403 `Bad_OAuth_Token` for an unknown token;
 *  - `POST /services/oauth2/introspect` (form: token, token_type_hint, client_id, client_secret) →
 *    `{active, scope, client_id, username, sub, token_type, exp, iat, nbf}` (RFC 7662); 401
 *    `invalid_client` for wrong client credentials; `{active: false}` for unknown or revoked tokens;
 *  - `PATCH /services/data/v{n}.0/sobjects/{object}/{id}` (REST API, "Update a record"): see
 *    {@link FakeSalesforce.updateRecord}.
 */
export class FakeSalesforce {
  private server?: Server;
  url = '';
  introspections = 0;
  /** Work records by id (`MessagingSession` etc.): their object, owner and fields; updated by PATCH. */
  readonly records = new Map<string, { sobject: string; ownerId: string; fields: Record<string, string> }>();
  /** Fields each sObject has (an update naming another is `INVALID_FIELD`). */
  readonly fieldsOf: Record<string, string[]> = {};
  /** Every record update as received: path, token, content type and body. */
  readonly updates: { path: string; token: string; contentType?: string; body: string }[] = [];

  constructor(
    private readonly tokens: Record<string, FakeSalesforceToken>,
    private readonly client: { id: string; secret: string },
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { status, body } = this.handle(
          req.method ?? 'GET',
          req.url ?? '',
          req.headers.authorization,
          Buffer.concat(chunks).toString(),
          req.headers['content-type'],
        );
        if (status === 204) {
          res.writeHead(204);
          res.end();
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(
    method: string,
    path: string,
    authorization: string | undefined,
    raw: string,
    contentType?: string,
  ): { status: number; body: unknown } {
    const update = /^\/services\/data\/v(\d+\.0)\/sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9]{15,18})$/.exec(
      path,
    );
    if (method === 'PATCH' && update)
      return this.updateRecord(path, update[2], update[3], authorization, raw, contentType);
    if (method === 'GET' && path === '/services/oauth2/userinfo') {
      const t = this.tokens[(authorization ?? '').replace(/^Bearer /, '')];
      if (!t || t.active === false) return { status: 403, body: 'Bad_OAuth_Token' };
      return {
        status: 200,
        body: {
          sub: `https://login.salesforce.com/id/${t.orgId}/${t.userId}`,
          user_id: t.userId,
          organization_id: t.orgId,
          preferred_username: t.username,
          nickname: t.username.split('@')[0],
          name: t.username,
          email: t.username,
          zoneinfo: 'Europe/Berlin',
          active: true,
        },
      };
    }
    if (method === 'POST' && path === '/services/oauth2/introspect') {
      this.introspections += 1;
      const form = new URLSearchParams(raw);
      if (form.get('client_id') !== this.client.id || form.get('client_secret') !== this.client.secret)
        return {
          status: 401,
          body: { error: 'invalid_client', error_description: 'invalid client credentials' },
        };
      const t = this.tokens[form.get('token') ?? ''];
      if (!t || t.active === false) return { status: 200, body: { active: false } };
      const now = Math.floor(Date.now() / 1000);
      return {
        status: 200,
        body: {
          active: true,
          scope: 'id api web',
          client_id: t.clientId,
          username: t.username,
          sub: `https://login.salesforce.com/id/${t.orgId}/${t.userId}`,
          token_type: 'access_token',
          exp: now + 3600,
          iat: now,
          nbf: now,
        },
      };
    }
    return {
      status: 404,
      body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
    };
  }

  /**
   * REST API "Update a record" (sObject Rows, PATCH): 204 No Content; errors as Salesforce sends them, a JSON
   * array `[{message, errorCode, fields}]`: 401 `INVALID_SESSION_ID`, 415 for a non-JSON body, 404
   * `NOT_FOUND`, 400 `INVALID_FIELD` (unknown field), 400 `INSUFFICIENT_ACCESS_OR_READONLY` (another
   * user's record).
   */
  private updateRecord(
    path: string,
    sobject: string,
    id: string,
    authorization: string | undefined,
    raw: string,
    contentType?: string,
  ): { status: number; body: unknown } {
    const token = (authorization ?? '').replace(/^Bearer /, '');
    this.updates.push({ path, token, contentType, body: raw });
    const t = this.tokens[token];
    if (!t || t.active === false)
      return {
        status: 401,
        body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
      };
    if (!(contentType ?? '').startsWith('application/json'))
      return {
        status: 415,
        body: [{ message: 'Unsupported media type', errorCode: 'UNSUPPORTED_MEDIA_TYPE' }],
      };
    const rec = this.records.get(id);
    if (!rec || rec.sobject !== sobject)
      return {
        status: 404,
        body: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }],
      };
    const fields = JSON.parse(raw) as Record<string, string>;
    for (const f of Object.keys(fields))
      if (!(this.fieldsOf[sobject] ?? []).includes(f))
        return {
          status: 400,
          body: [
            {
              message: `No such column '${f}' on sobject of type ${sobject}`,
              errorCode: 'INVALID_FIELD',
              fields: [],
            },
          ],
        };
    if (rec.ownerId.slice(0, 15) !== t.userId.slice(0, 15))
      return {
        status: 400,
        body: [
          {
            message: 'insufficient access rights on object id',
            errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY',
            fields: [],
          },
        ],
      };
    Object.assign(rec.fields, fields);
    return { status: 204, body: undefined };
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
