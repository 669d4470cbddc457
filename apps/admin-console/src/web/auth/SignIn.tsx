import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, Center, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useSession } from './session';

/**
 * Sign-in with the platform's credentials (docs/security.md): a tenant API key (`hub_live_…`), an OAuth
 * access token of the operator's IdP, or the platform-admin key (`hub_admin_…`) plus the tenant to act on.
 */
export function SignIn() {
  const { signIn } = useSession();
  const [token, setToken] = useState('');
  const [tenantId, setTenantId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!token.trim()) errs['token'] = 'Enter an API key, access token or platform-admin key';
    if (token.trim().startsWith('hub_admin_') && !tenantId.trim()) {
      errs['tenantId'] = 'A platform admin acts on one tenant: enter its id';
    }
    if (tenantId && !/^[a-zA-Z0-9_-]{1,64}$/.test(tenantId.trim()))
      errs['tenantId'] = 'Letters, digits, - and _ only';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    const result = await signIn({ token, tenantId });
    setBusy(false);
    if (result) setErrors(result);
  }

  return (
    <Center component="main" mih="100vh" bg="gray.0">
      <Card withBorder shadow="sm" padding="xl" w={440}>
        <form onSubmit={submit} noValidate aria-labelledby="signin-title">
          <Stack>
            <Title order={1} size="h3" id="signin-title">
              Engagement Hub console
            </Title>
            <Text size="sm" c="dimmed">
              Sign in with a tenant API key (scopes decide what you can change), an access token from your
              identity provider, or the platform-admin key and a tenant id.
            </Text>
            <PasswordInput
              label="Credential"
              name="token"
              autoComplete="off"
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              error={errors['token']}
              required
            />
            <TextInput
              label="Tenant id"
              name="tenantId"
              description="Required with the platform-admin key"
              value={tenantId}
              onChange={(e) => setTenantId(e.currentTarget.value)}
              error={errors['tenantId']}
            />
            {errors['(form)'] && (
              <Alert color="red" title="Sign-in failed" role="alert">
                {errors['(form)']}
              </Alert>
            )}
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Card>
    </Center>
  );
}
