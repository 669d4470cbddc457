import { redactVendorText } from './redact';

describe('redactVendorText', () => {
  it('removes the known secret (also URL-encoded and base64), tokens, keys and e-mails, and truncates', () => {
    const key = 'my-tenant-api-key/42+x';
    const body = JSON.stringify({
      error: {
        message: `Incorrect API key provided: ${key}. Also ${encodeURIComponent(key)} and ${Buffer.from(key).toString('base64')}`,
        header: 'Authorization: Bearer abcdefghijklmnop',
        contact: 'ops@vendor.example',
        other: 'sk-proj-0123456789abcdef',
        jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      },
    });
    const out = redactVendorText(body, { secrets: [key], maxLength: 10_000 });
    expect(out).not.toContain(key);
    expect(out).not.toContain(encodeURIComponent(key));
    expect(out).not.toContain(Buffer.from(key).toString('base64'));
    expect(out).not.toContain('abcdefghijklmnop');
    expect(out).not.toContain('ops@vendor.example');
    expect(out).not.toContain('sk-proj-0123456789abcdef');
    expect(out).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(out).toContain('Incorrect API key provided');
    expect(redactVendorText('word '.repeat(100), { maxLength: 50 })).toHaveLength(50);
    expect(redactVendorText('a\n\u0000b')).toBe('a b');
  });
});
