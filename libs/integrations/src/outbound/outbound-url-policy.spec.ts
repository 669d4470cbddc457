import {
  blockedAddressRange,
  OutboundUrlRefusedError,
  OutboundUrlPolicy,
  type OutboundUrlPolicyOptions,
  type HostResolver,
  type VettedAddress,
} from './outbound-url-policy';

const strict: OutboundUrlPolicyOptions = {
  allowHttp: false,
  allowPrivateNetworks: false,
  allowedHostSuffixes: [],
};

/** A resolver answering from a table (unknown names fail like getaddrinfo's ENOTFOUND). */
function tableResolver(table: Record<string, string[]>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (host: string): Promise<VettedAddress[]> => {
    calls.push(host);
    const list = table[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(fn, { calls });
}

function refusal(fn: () => unknown): OutboundUrlRefusedError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OutboundUrlRefusedError) return e;
    throw e;
  }
  throw new Error('expected a OutboundUrlRefusedError');
}

describe('blockedAddressRange (SSRF address classification via ipaddr.js)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'], // AWS / GCP / Azure instance metadata
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'], // AWS IPv6 instance metadata
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'], // IPv4-mapped: judged as the IPv4 address
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:192.168.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'rfc6052'], // NAT64 of 169.254.169.254
    ['2002:7f00:1::1', '6to4'], // 6to4 of 127.0.0.1
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['2001:db8::1', 'reserved'],
    ['::7f00:1', 'notGlobalUnicast'], // deprecated IPv4-compatible ::127.0.0.1
    ['100::1', 'discard'], // RFC 6666 discard prefix
  ])('%s is blocked (%s)', (address, range) => {
    expect(blockedAddressRange(address)).toBe(range);
  });

  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2a00:1450::1',
    '::ffff:8.8.8.8',
  ])('%s is public unicast (allowed)', (address) => {
    expect(blockedAddressRange(address)).toBeNull();
  });

  it('treats text that is no address as blocked', () => {
    expect(blockedAddressRange('example.com')).toBe('invalid');
  });
});

describe('OutboundUrlPolicy.checkUrl (intake and delivery, no network)', () => {
  const policy = new OutboundUrlPolicy(strict, tableResolver({}));

  it('accepts a public https URL and returns it parsed', () => {
    expect(policy.checkUrl('https://hooks.example.com:8443/bot?x=1').hostname).toBe('hooks.example.com');
    // a host name is not resolved at intake (that happens at every delivery)
    expect(policy.checkUrl('https://localhost/cb').hostname).toBe('localhost');
  });

  it('accepts only https unless http is allowed', () => {
    expect(refusal(() => policy.checkUrl('http://example.com/')).reason).toBe('scheme');
    expect(refusal(() => policy.checkUrl('ftp://example.com/')).message).toBe(
      'must be an https (or wss) URL',
    );
    expect(refusal(() => policy.checkUrl('file:///etc/passwd')).reason).toBe('scheme');
    expect(refusal(() => policy.checkUrl('gopher://127.0.0.1:6379/_')).reason).toBe('scheme');
    const http = new OutboundUrlPolicy({ ...strict, allowHttp: true }, tableResolver({}));
    expect(http.checkUrl('http://example.com/').protocol).toBe('http:');
    expect(refusal(() => http.checkUrl('ftp://example.com/')).message).toBe(
      'must be an http(s) or ws(s) URL',
    );
  });

  it('refuses relative URLs and userinfo', () => {
    expect(refusal(() => policy.checkUrl('/relative')).reason).toBe('invalid_url');
    expect(refusal(() => policy.checkUrl('https://user:pw@example.com/')).reason).toBe('userinfo');
    expect(refusal(() => policy.checkUrl('https://user@example.com/')).reason).toBe('userinfo');
  });

  it.each([
    'https://169.254.169.254/latest/meta-data/',
    'https://10.1.2.3/',
    'https://127.0.0.1:8080/',
    'https://2130706433/', // decimal 127.0.0.1, normalized by the URL parser
    'https://0x7f.1/', // hex/short form of 127.0.0.1
    'https://0251.0376.0251.0376/', // octal 169.254.169.254
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://[fd00:ec2::254]/',
    'https://100.64.1.1/',
    'https://0.0.0.0/',
  ])('refuses the IP literal host of %s', (raw) => {
    const e = refusal(() => policy.checkUrl(raw));
    expect(e.reason).toBe('blocked_address');
    expect(e.message).toMatch(/non-public address/);
  });

  it('admits private IP literals when private networks are allowed', () => {
    const dev = new OutboundUrlPolicy({ ...strict, allowPrivateNetworks: true }, tableResolver({}));
    expect(dev.checkUrl('https://127.0.0.1:3000/cb').hostname).toBe('127.0.0.1');
    expect(dev.checkUrl('https://[::1]/cb').hostname).toBe('[::1]');
  });

  it('restricts hosts to the allow-list suffixes at a label boundary', () => {
    const listed = new OutboundUrlPolicy(
      { ...strict, allowedHostSuffixes: ['example.com', 'bots.acme.io'] },
      tableResolver({}),
    );
    expect(listed.checkUrl('https://example.com/').hostname).toBe('example.com');
    expect(listed.checkUrl('https://hooks.EXAMPLE.com./').hostname).toBe('hooks.example.com.');
    expect(listed.checkUrl('https://eu.bots.acme.io/').hostname).toBe('eu.bots.acme.io');
    for (const raw of [
      'https://badexample.com/',
      'https://example.com.evil.io/',
      'https://acme.io/',
      'https://93.184.216.34/',
    ]) {
      expect(refusal(() => listed.checkUrl(raw)).reason).toBe('host_not_allowed');
    }
    expect(listed.isAcceptable('https://a.example.com/')).toBe(true);
    expect(listed.isAcceptable('https://evil.io/')).toBe(false);
  });
});

describe('OutboundUrlPolicy.resolve (delivery: every resolved address vetted)', () => {
  it('returns all addresses of a public host', async () => {
    const resolver = tableResolver({ 'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    const policy = new OutboundUrlPolicy(strict, resolver);
    const target = await policy.resolve(policy.checkUrl('https://hooks.example.com/cb'));
    expect(target.hostname).toBe('hooks.example.com');
    expect(target.addresses).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
    expect(resolver.calls).toEqual(['hooks.example.com']);
  });

  it('refuses a host when ANY address is non-public (naming each with its range)', async () => {
    const policy = new OutboundUrlPolicy(
      strict,
      tableResolver({
        'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
        localhost: ['127.0.0.1', '::1'],
        'mapped.example.com': ['::ffff:169.254.169.254'],
        'metadata.example.com': ['169.254.169.254'],
      }),
    );
    await expect(policy.resolve(new URL('https://mixed.example.com/'))).rejects.toMatchObject({
      name: 'OutboundUrlRefusedError',
      reason: 'blocked_address',
      message: 'host mixed.example.com resolves to non-public address(es) 10.0.0.7 (private)',
    });
    await expect(policy.resolve(new URL('https://localhost/'))).rejects.toThrow(
      /127\.0\.0\.1 \(loopback\), ::1 \(loopback\)/,
    );
    await expect(policy.resolve(new URL('https://mapped.example.com/'))).rejects.toThrow(/linkLocal/);
    await expect(policy.resolve(new URL('https://metadata.example.com/'))).rejects.toBeInstanceOf(
      OutboundUrlRefusedError,
    );
  });

  it('re-resolves on every call, so a rebound name is refused at the next delivery', async () => {
    const table: Record<string, string[]> = { 'rebind.example.com': ['93.184.216.34'] };
    const policy = new OutboundUrlPolicy(strict, tableResolver(table));
    const url = policy.checkUrl('https://rebind.example.com/');
    await expect(policy.resolve(url)).resolves.toMatchObject({ addresses: [{ address: '93.184.216.34' }] });
    table['rebind.example.com'] = ['127.0.0.1'];
    await expect(policy.resolve(url)).rejects.toMatchObject({ reason: 'blocked_address' });
  });

  it('does not resolve IP literals and lets resolver errors through (retryable, not a refusal)', async () => {
    const resolver = tableResolver({});
    const policy = new OutboundUrlPolicy(strict, resolver);
    await expect(policy.resolve(new URL('https://[2606:4700:4700::1111]/'))).resolves.toMatchObject({
      hostname: '2606:4700:4700::1111',
      addresses: [{ address: '2606:4700:4700::1111', family: 6 }],
    });
    // a literal checked at intake with private networks allowed, delivered after the flag was turned off
    await expect(policy.resolve(new URL('https://10.1.2.3/'))).rejects.toMatchObject({
      reason: 'blocked_address',
    });
    expect(resolver.calls).toEqual([]);
    const err = await policy.resolve(new URL('https://nowhere.example/')).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(OutboundUrlRefusedError);
    expect(err).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('admits private addresses when private networks are allowed', async () => {
    const policy = new OutboundUrlPolicy(
      { ...strict, allowPrivateNetworks: true },
      tableResolver({ localhost: ['127.0.0.1'] }),
    );
    await expect(policy.resolve(new URL('http://localhost:3000/'))).resolves.toMatchObject({
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
  });
});
