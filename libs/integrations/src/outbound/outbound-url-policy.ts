import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * What a tenant-configured URL (callback URL, LLM `baseUrl`, Genesys API host, 8x8 Pulsar host, CCaaS
 * adapter endpoint) may point at. Each service maps its own variables onto it (the orchestrator's
 * HANDOFF_CALLBACK_*, everyone's OUTBOUND_*; see `OutboundConfigSchema`).
 */
export interface OutboundUrlPolicyOptions {
  /** Accept `http:` as well as `https:` (`ws:` as well as `wss:` for WebSocket URLs; development and tests). */
  allowHttp: boolean;
  /**
   * Accept hosts in non-public ranges (loopback, RFC 1918, link-local, ULA …) — at intake for IP
   * literals and at delivery for resolved addresses (development and tests with local
   * servers only).
   */
  allowPrivateNetworks: boolean;
  /**
   * Lower-case host suffixes a host must equal or end in at a label boundary (`example.com`
   * admits `example.com` and `hooks.example.com`, not `badexample.com`); empty → any host.
   */
  allowedHostSuffixes: readonly string[];
}

/** Why a URL was refused (metric label `reason`). */
export type OutboundRefusal = 'invalid_url' | 'scheme' | 'userinfo' | 'host_not_allowed' | 'blocked_address';

/**
 * A URL the policy refuses (SSRF protection): at config time it becomes a 400 naming the field (e.g.
 * `callbackUrl`, `config.baseUrl`), at connect time the call fails without retry.
 */
export class OutboundUrlRefusedError extends Error {
  constructor(
    readonly reason: OutboundRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundUrlRefusedError';
  }
}

/** One address an outbound call may connect to (`family` 4 or 6, as `dns.lookup` reports it). */
export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

/** A target whose every address passed the policy: connect only to these. */
export interface VettedTarget {
  url: URL;
  /** Host name (or IP literal without brackets) — the `Host` header and TLS SNI stay this name. */
  hostname: string;
  /** All addresses the name resolved to, each allowed; non-empty. */
  addresses: VettedAddress[];
}

/** Resolves a host name to all its addresses (like `dns.lookup(name, { all: true })`). */
export type HostResolver = (hostname: string) => Promise<VettedAddress[]>;

/** The operating system's resolver (`getaddrinfo`: /etc/hosts, then DNS), every address, in its order. */
export const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, order: 'verbatim' })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** IPv6 global unicast (RFC 4291 §2.4): anything outside it (IPv4-compatible `::a.b.c.d`, …) is refused. */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Classifies an IP address for outbound calls (OWASP SSRF prevention: deny everything but public
 * unicast). IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is judged as the IPv4 address it maps to. Ranges are
 * ipaddr.js' special-purpose registries (IANA IPv4/IPv6 special-purpose address registries): loopback,
 * `private` (RFC 1918), `linkLocal` (169.254/16 — cloud metadata 169.254.169.254 — and fe80::/10),
 * `carrierGradeNat` (100.64/10), `uniqueLocal` (fc00::/7), `multicast`, `unspecified`, `broadcast`,
 * `reserved`, NAT64 `rfc6052`, `6to4`, `teredo` (they embed IPv4 addresses), …; IPv6 must also be in
 * 2000::/3.
 * @param address IPv4 or IPv6 literal (no brackets; a zone id is ignored)
 * @returns null when the address is public unicast, else the name of the range that blocks it
 *          (`loopback`, `private`, `linkLocal`, …, `notGlobalUnicast`, `invalid`)
 */
export function blockedAddressRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  const ip = ipaddr.process(address);
  const range = ip.range();
  if (range !== 'unicast') return range;
  if (ip.kind() === 'ipv6' && !ip.match(IPV6_GLOBAL_UNICAST)) return 'notGlobalUnicast';
  return null;
}

/**
 * SSRF policy for every tenant- or caller-supplied URL we connect to (callbacks, LLM `baseUrl`, Genesys,
 * 8x8, CCaaS adapters).
 *
 * - {@link checkUrl} (config time and again at connect time, pure): absolute `https:`/`wss:` URL
 *   (`http:`/`ws:` only with `allowHttp`), no userinfo, host on the allow-list when one is configured, an IP-literal host not in
 *   a blocked range ({@link blockedAddressRange}) unless `allowPrivateNetworks`. The WHATWG URL parser
 *   normalizes `http://2130706433/`, `http://0x7f.1/` etc. to `127.0.0.1` before the check.
 * - {@link resolve} (delivery): resolves the host and refuses it if ANY address is blocked (DNS may
 *   answer differently than at intake — rebinding); the caller connects only to the returned addresses
 *   ({@link pinnedLookup}), so the check and the connection use the same IPs.
 */
export class OutboundUrlPolicy {
  /**
   * @param opts what URLs may point at
   * @param resolver host name → addresses (default {@link systemResolver}; tests pass a fake DNS)
   */
  constructor(
    private readonly opts: OutboundUrlPolicyOptions,
    private readonly resolver: HostResolver = systemResolver,
  ) {}

  /** Whether private networks are allowed (the dispatcher warns at start when they are). */
  get allowsPrivateNetworks(): boolean {
    return this.opts.allowPrivateNetworks;
  }

  /**
   * Checks what can be checked without the network.
   * @returns the parsed URL
   * @throws OutboundUrlRefusedError (`invalid_url`, `scheme`, `userinfo`, `host_not_allowed`, `blocked_address`)
   */
  checkUrl(raw: string): URL {
    if (!URL.canParse(raw)) throw new OutboundUrlRefusedError('invalid_url', 'must be an absolute URL');
    const url = new URL(raw);
    const secure = url.protocol === 'https:' || url.protocol === 'wss:';
    const plain = url.protocol === 'http:' || url.protocol === 'ws:';
    if (!secure && !(plain && this.opts.allowHttp)) {
      throw new OutboundUrlRefusedError(
        'scheme',
        this.opts.allowHttp ? 'must be an http(s) or ws(s) URL' : 'must be an https (or wss) URL',
      );
    }
    if (url.username || url.password) {
      throw new OutboundUrlRefusedError('userinfo', 'must not contain user name or password');
    }
    const host = hostOf(url);
    if (!host) throw new OutboundUrlRefusedError('invalid_url', 'must name a host');
    if (
      this.opts.allowedHostSuffixes.length &&
      !this.opts.allowedHostSuffixes.some((s) => matchesSuffix(host, s))
    ) {
      throw new OutboundUrlRefusedError('host_not_allowed', `host ${host} is not on the allow-list`);
    }
    if (isIP(host) && !this.opts.allowPrivateNetworks) {
      const blocked = blockedAddressRange(host);
      if (blocked) {
        throw new OutboundUrlRefusedError(
          'blocked_address',
          `host ${host} is a non-public address (${blocked})`,
        );
      }
    }
    return url;
  }

  /** {@link checkUrl} as a predicate (the Kafka rejection path keeps only acceptable URLs). */
  isAcceptable(raw: string): boolean {
    try {
      this.checkUrl(raw);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Resolves the URL's host (an IP literal is not resolved) and vets every address.
   * @throws OutboundUrlRefusedError (`blocked_address`) naming each blocked address and its range;
   *         resolver errors (ENOTFOUND, timeouts) propagate unchanged — they are retryable
   */
  async resolve(url: URL): Promise<VettedTarget> {
    const hostname = hostOf(url);
    const addresses: VettedAddress[] = isIP(hostname)
      ? [{ address: hostname, family: isIP(hostname) === 6 ? 6 : 4 }]
      : await this.resolver(hostname);
    if (!addresses.length) throw new Error(`${hostname} resolved to no address`);
    if (!this.opts.allowPrivateNetworks) {
      const blocked = addresses
        .map((a) => ({ ...a, range: blockedAddressRange(a.address) }))
        .filter((a) => a.range !== null);
      if (blocked.length) {
        throw new OutboundUrlRefusedError(
          'blocked_address',
          `host ${hostname} resolves to non-public address(es) ${blocked
            .map((b) => `${b.address} (${b.range})`)
            .join(', ')}`,
        );
      }
    }
    return { url, hostname, addresses };
  }
}

/** The URL's host name without IPv6 brackets, lower case (the URL parser lower-cases names already). */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** `host` equals `suffix` or ends with `.suffix` (a trailing root dot on the host is ignored). */
function matchesSuffix(host: string, suffix: string): boolean {
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  return h === suffix || h.endsWith(`.${suffix}`);
}
