import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { ApiError, request, useCredential, type Credential } from '../api/client';

const STORAGE_KEY = 'hub-console-credential';

/** The signed-in session: the credential (held in this tab's sessionStorage only) and sign-in/out. */
export interface Session {
  credential: Credential | null;
  /**
   * Checks the credential against a documented route (`GET /v1/integrations` of the orchestrator: 401 =
   * rejected, 400 naming `X-Tenant-Id` = a platform admin without tenant, 2xx/403 = a valid credential)
   * and keeps it. Resolves to field errors (`token`, `tenantId`) or `null` on success.
   */
  signIn: (c: Credential) => Promise<Record<string, string> | null>;
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

function stored(): Credential | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Credential) : null;
  } catch {
    return null;
  }
}

/** Provides {@link Session}; every API call made below it carries the credential. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [credential, setCredential] = useState<Credential | null>(stored);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    setCredential(null);
  }, []);
  // set synchronously during render so the first effects of the pages already carry it
  useCredential(credential, signOut);
  useEffect(() => useCredential(credential, signOut), [credential, signOut]);

  const signIn = useCallback(async (c: Credential): Promise<Record<string, string> | null> => {
    const cred: Credential = { token: c.token.trim(), tenantId: c.tenantId?.trim() || undefined };
    try {
      await request('orchestrator', 'GET', '/v1/integrations', { credential: cred });
    } catch (e) {
      if (!(e instanceof ApiError)) return { '(form)': String(e) };
      if (e.status === 401)
        return { token: 'The services rejected this credential (unknown, expired or revoked).' };
      if (e.status === 400 && /tenant/i.test(e.message)) return { tenantId: e.message };
      if (e.status === 403 && /tenant/i.test(e.message)) return { tenantId: e.message };
      if (e.status !== 403) return { '(form)': e.message };
    }
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(cred));
    setCredential(cred);
    return null;
  }, []);

  return (
    <SessionContext.Provider value={{ credential, signIn, signOut }}>{children}</SessionContext.Provider>
  );
}

/** The current {@link Session}. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
