import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { ConfigError, loadConfig } from '@hub/config';
import { HandoffOrchestratorConfigSchema } from '../config';
import {
  FORM_LINK_AUDIENCE,
  FORM_LINK_ISSUER,
  FormLinkSigner,
  FormLinkTokenError,
  jtiHash,
} from './form-link.signer';
import { esc, renderFormPage } from './form-page.html';
import {
  FormTemplateBodySchema,
  validateFormValues,
  validatePrefilled,
  type FormField,
  type FormTemplate,
} from './form.schemas';

const fields = FormTemplateBodySchema.parse({
  name: 'address-change',
  title: 'Change of address',
  webhookUrl: 'https://hooks.example.com/forms',
  fields: [
    { name: 'full_name', label: 'Full name', type: 'text', required: true, maxLength: 20 },
    { name: 'postcode', label: 'Postcode', type: 'text', pattern: '[0-9]{5}', patternHint: 'five digits' },
    { name: 'email', label: 'E-mail', type: 'email' },
    { name: 'phone', label: 'Phone', type: 'phone' },
    { name: 'moving', label: 'Moving date', type: 'date', min: '2026-01-01', max: '2027-12-31' },
    { name: 'rooms', label: 'Rooms', type: 'number', min: 1, max: 12 },
    {
      name: 'contact',
      label: 'Contact',
      type: 'select',
      options: [
        { value: 'email', label: 'E-mail' },
        { value: 'phone', label: 'Phone' },
      ],
    },
    { name: 'consent', label: 'I agree', type: 'checkbox', required: true },
    { name: 'card', label: 'Card number', type: 'text', sensitive: true },
  ],
}).fields as FormField[];

describe('form templates (zod)', () => {
  it('names the offending field: bad regex, select without options, min on text, duplicates, http target', () => {
    const r = FormTemplateBodySchema.safeParse({
      name: 'x',
      title: 'X',
      webhookUrl: 'https://h.example.com',
      target: { type: 'external', url: 'http://crm.example.com' },
      fields: [
        { name: 'a', label: 'A', type: 'text', pattern: '(' },
        { name: 'a', label: 'B', type: 'select' },
        { name: 'c', label: 'C', type: 'text', min: 3 },
        { name: 'Bad Name', label: 'D', type: 'text' },
      ],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(
      [
        'fields.0.pattern',
        'fields.1.options',
        'fields.1.name',
        'fields.2.min',
        'fields.3.name',
        'target.url',
      ].sort(),
    );
  });
});

describe('validateFormValues (server-side validation of a submission)', () => {
  const ok = {
    full_name: ' Ann ',
    postcode: '10115',
    email: 'ann@example.com',
    phone: '+44 20 7946 0958',
    moving: '2027-01-15',
    rooms: '3',
    contact: 'phone',
    consent: 'on',
    card: '4111111111111111',
  };

  it('types and normalizes valid values (trim, number, boolean, E.164 phone)', () => {
    expect(validateFormValues(fields, ok)).toEqual({
      ok: true,
      values: { ...ok, full_name: 'Ann', phone: '+442079460958', rooms: 3, consent: true },
    });
  });

  it('one error per bad field, in field order, with a human message', () => {
    const r = validateFormValues(fields, {
      full_name: '',
      postcode: '1011',
      email: 'nope',
      phone: '12',
      moving: '2025-12-31',
      rooms: '13',
      contact: 'fax',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { field: 'full_name', message: 'is required' },
      { field: 'postcode', message: 'must match: five digits' },
      { field: 'email', message: expect.stringMatching(/e-mail/) },
      { field: 'phone', message: expect.stringMatching(/international format/) },
      { field: 'moving', message: 'must be on or after 2026-01-01' },
      { field: 'rooms', message: 'must be at most 12' },
      { field: 'contact', message: 'must be one of the listed options' },
      { field: 'consent', message: 'must be checked' },
    ]);
  });

  it('a pattern matches the whole value; optional empty fields are simply absent', () => {
    const r = validateFormValues(fields, { ...ok, postcode: '101150', email: '', phone: '' });
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['postcode']);
    const fine = validateFormValues(fields, { ...ok, email: '', phone: '', card: '' });
    expect(fine.ok && Object.keys(fine.values)).not.toContain('email');
  });
});

describe('validatePrefilled', () => {
  it('refuses unknown and sensitive fields and invalid values, naming prefilled_data.<field>', () => {
    const r = validatePrefilled(fields, { shoe: 'x', card: '4111', postcode: 'abc', full_name: 'Ann' });
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual([
      'prefilled_data.shoe',
      'prefilled_data.card',
      'prefilled_data.postcode',
    ]);
    expect(validatePrefilled(fields, { full_name: 'Ann', rooms: 2 })).toEqual({
      ok: true,
      values: { full_name: 'Ann', rooms: 2 },
    });
  });
});

describe('FormLinkSigner (jose)', () => {
  const secret = randomBytes(32).toString('base64');
  const signer = new FormLinkSigner(secret);
  const linkId = '6f0c7f0e-8a59-4d6c-9d0f-2b9e0b8f4f11';

  it('round-trips tenant, link, jti and expiry; the stored hash is SHA-256 of the jti', async () => {
    const exp = new Date(Math.floor(Date.now() / 1000 + 600) * 1000);
    const { token, jti } = await signer.sign('acme', linkId, exp);
    expect(await signer.verify(token)).toEqual({ tenantId: 'acme', linkId, jti, expiresAt: exp });
    expect(jtiHash(jti)).toHaveLength(32);
  });

  it('expired → expired; wrong audience, other key, alg none, garbage → invalid', async () => {
    const key = new TextEncoder().encode(secret);
    const mint = (aud: string, exp: number, k: Uint8Array = key) =>
      new SignJWT({ tid: 'acme' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(FORM_LINK_ISSUER)
        .setAudience(aud)
        .setSubject(linkId)
        .setJti('j')
        .setExpirationTime(exp)
        .sign(k);
    const now = Math.floor(Date.now() / 1000);
    const reason = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: FormLinkTokenError) => e.reason,
      );
    expect(await reason(signer.verify(await mint(FORM_LINK_AUDIENCE, now - 1)))).toBe('expired');
    expect(await reason(signer.verify(await mint('other', now + 60)))).toBe('invalid');
    expect(await reason(signer.verify(await mint(FORM_LINK_AUDIENCE, now + 60, randomBytes(32))))).toBe(
      'invalid',
    );
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ tid: 'acme', sub: linkId, jti: 'j', aud: FORM_LINK_AUDIENCE, exp: now + 60 }),
    ).toString('base64url')}.`;
    expect(await reason(signer.verify(unsigned))).toBe('invalid');
    expect(await reason(signer.verify('not-a-jwt'))).toBe('invalid');
  });
});

describe('the form page HTML', () => {
  const template = { title: 'T <b>', description: null, fields } as unknown as FormTemplate;

  it('escapes values, never renders a sensitive value, ties errors to fields', () => {
    const html = renderFormPage(template, '/forms/t', { full_name: '"><script>x</script>', card: '4111' }, [
      { field: 'postcode', message: 'must match: five digits' },
    ]);
    expect(html).not.toContain('<script>');
    expect(html).toContain(esc('"><script>x</script>'));
    expect(html).not.toContain('4111');
    expect(html).toMatch(/id="f-postcode"[^>]*aria-describedby="f-postcode-error"[^>]*aria-invalid="true"/);
    expect(html).toContain('<title>Error: T &lt;b&gt;</title>');
  });
});

describe('forms configuration (fail-fast)', () => {
  const base = {
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/hub',
    HUB_SECRETS_KEK: randomBytes(32).toString('base64'),
    KAFKA_BROKERS: '127.0.0.1:9092',
    REDIS_URL: 'redis://127.0.0.1:6379',
  };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema, { ...base, ...env });
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.map((p) => p.variable);
      throw e;
    }
  };

  it('FORM_LINK_SECRET: required in production, at least 32 bytes, no placeholder', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ NODE_ENV: 'production' })).toEqual(['FORM_LINK_SECRET']);
    expect(problems({ FORM_LINK_SECRET: 'short' })).toEqual(['FORM_LINK_SECRET']);
    expect(problems({ FORM_LINK_SECRET: 'change-me-at-least-32-characters-long' })).toEqual([
      'FORM_LINK_SECRET',
    ]);
    expect(
      problems({ NODE_ENV: 'production', FORM_LINK_SECRET: randomBytes(32).toString('base64') }),
    ).toEqual([]);
  });
});
