import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message the fake accepted (Twilio's Message resource, the fields the hub sets). */
export interface FakeTwilioMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  /** The `user` half of the Basic credentials it came with (Account SID or API key SID). */
  authUser: string;
}

/** Credentials the fake account accepts: `accountSid:authToken` and optional `apiKeySid:apiKeySecret`. */
export interface FakeTwilioAccount {
  accountSid: string;
  authToken: string;
  apiKey?: { sid: string; secret: string };
}

/**
 * Twilio's documented `X-Twilio-Signature` (https://www.twilio.com/docs/usage/security#validating-requests):
 * HMAC-SHA1 keyed with the Auth Token over the full URL followed by every POST parameter name and value, sorted by
 * name; base64. Written here from the documentation (not with the `twilio` package the service verifies with).
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

const hex32 = () => randomBytes(16).toString('hex');

/**
 * A local stand-in for Twilio's REST API on 127.0.0.1 speaking its wire format: `POST
 * /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded `To`, `From` | `MessagingServiceSid`, `Body`,
 * `StatusCallback`), HTTP Basic checked (401 + error 20003), `To` validated (400 + error 21211), 201 with the
 * Message resource (`sid`, `status: queued`); `failNext(n, status)` answers the next n sends with a Twilio error
 * (e.g. 429 / 20429, 503); `postStatus` posts a signed status callback to a message's `StatusCallback`, as Twilio
 * does.
 */
export async function startFakeTwilio(account: FakeTwilioAccount): Promise<{
  url: string;
  messages: FakeTwilioMessage[];
  /** Every send attempt with its HTTP answer (after auth). */
  attempts: { status: number; to: string }[];
  failNext: (n: number, status: number, code: number) => void;
  postStatus: (
    m: FakeTwilioMessage,
    status: string,
    opts?: { errorCode?: string; signWith?: string; signature?: string },
  ) => Promise<number>;
  close: () => Promise<void>;
}> {
  const messages: FakeTwilioMessage[] = [];
  const attempts: { status: number; to: string }[] = [];
  const failures: { status: number; code: number }[] = [];
  const error = (status: number, code: number, message: string) =>
    JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m)
        return send(404, error(404, 20404, 'The requested resource was not found'));
      const [user, pass] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .split(':');
      const authOk =
        m[1] === account.accountSid &&
        ((user === account.accountSid && pass === account.authToken) ||
          (account.apiKey !== undefined && user === account.apiKey.sid && pass === account.apiKey.secret));
      if (!authOk) return send(401, error(401, 20003, 'Authenticate'));
      if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
        return send(415, error(415, 20415, 'Unsupported media type'));
      const p = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = p.get('To') ?? '';
      const fail = failures.shift();
      if (fail) {
        attempts.push({ status: fail.status, to });
        return send(fail.status, error(fail.status, fail.code, 'Too Many Requests'));
      }
      // +15005550001 is Twilio's documented magic "invalid number" (test credentials): error 21211 like a malformed one
      if (!/^\+[1-9]\d{6,14}$/.test(to) || to === '+15005550001') {
        attempts.push({ status: 400, to });
        return send(400, error(400, 21211, `The 'To' number ${to} is not a valid phone number.`));
      }
      if (!p.get('From') && !p.get('MessagingServiceSid')) {
        attempts.push({ status: 400, to });
        return send(400, error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required"));
      }
      const msg: FakeTwilioMessage = {
        sid: `SM${hex32()}`,
        accountSid: account.accountSid,
        to,
        from: p.get('From'),
        messagingServiceSid: p.get('MessagingServiceSid'),
        body: p.get('Body') ?? '',
        statusCallback: p.get('StatusCallback'),
        authUser: user ?? '',
      };
      messages.push(msg);
      attempts.push({ status: 201, to });
      send(
        201,
        JSON.stringify({
          sid: msg.sid,
          account_sid: msg.accountSid,
          to: msg.to,
          from: msg.from,
          messaging_service_sid: msg.messagingServiceSid,
          body: msg.body,
          status: 'queued',
          num_segments: '1',
          direction: 'outbound-api',
          api_version: '2010-04-01',
          date_created: new Date().toUTCString(),
          error_code: null,
          error_message: null,
          uri: `/2010-04-01/Accounts/${msg.accountSid}/Messages/${msg.sid}.json`,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    attempts,
    failNext: (n, status, code) => {
      for (let i = 0; i < n; i++) failures.push({ status, code });
    },
    postStatus: async (m, status, opts = {}) => {
      if (!m.statusCallback) throw new Error('the message has no StatusCallback');
      const params: Record<string, string> = {
        AccountSid: m.accountSid,
        ApiVersion: '2010-04-01',
        From: m.from ?? '',
        MessageSid: m.sid,
        MessageStatus: status,
        SmsSid: m.sid,
        SmsStatus: status,
        To: m.to,
        ...(opts.errorCode ? { ErrorCode: opts.errorCode } : {}),
      };
      const signature =
        opts.signature ?? twilioSignature(opts.signWith ?? account.authToken, m.statusCallback, params);
      const res = await fetch(m.statusCallback, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          'x-twilio-signature': signature,
          'user-agent': 'TwilioProxy/1.1',
        },
        body: new URLSearchParams(params).toString(),
      });
      await res.text();
      return res.status;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
