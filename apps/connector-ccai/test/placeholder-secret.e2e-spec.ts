import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { WORKSPACE_ROOT } from '@hub/testing';

jest.setTimeout(90_000);

/**
 * Runs `apps/<service>/src/main.ts` as its own process, the way a deployment starts it, and waits for it
 * to exit (the config is refused before anything is connected, so nothing it names needs to be reachable).
 * @returns the exit code and everything it wrote to stderr
 */
function runUntilExit(
  service: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--require', '@swc-node/register', `apps/${service}/src/main.ts`],
      {
        cwd: WORKSPACE_ROOT,
        // only what is given here: no developer's HUB_ALLOW_INSECURE_DEV_SECRETS leaks in
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${service} did not exit within 60 s; stderr: ${stderr.slice(-2000)}`));
    }, 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** A complete, otherwise valid connector-ccai environment (nothing listens at these addresses). */
function ccaiEnv(): Record<string, string> {
  return {
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: 'postgresql://hub_app@127.0.0.1:1/hub_never',
    REDIS_URL: 'redis://127.0.0.1:1',
    KAFKA_BROKERS: '127.0.0.1:1',
    HUB_SECRETS_KEK: randomBytes(32).toString('base64'),
    HUB_SECRETS_KEK_ID: 'e2e-1',
  };
}

describe('a service started with a placeholder or short secret exits 78 naming the variable', () => {
  it('connector-ccai refuses the deploy/ placeholder as CCAI_ADMIN_TOKEN', async () => {
    const r = await runUntilExit('connector-ccai', {
      ...ccaiEnv(),
      CCAI_ADMIN_TOKEN: 'change-me-at-least-32-characters-long',
    });
    expect(r.stderr).toMatch(/CCAI_ADMIN_TOKEN: is a known placeholder value/);
    expect(r.code).toBe(78);
  });

  it('connector-ccai refuses a CCAI_ADMIN_TOKEN shorter than 32 bytes', async () => {
    const r = await runUntilExit('connector-ccai', {
      ...ccaiEnv(),
      CCAI_ADMIN_TOKEN: 'admin-token-0123456789',
    });
    expect(r.stderr).toMatch(/CCAI_ADMIN_TOKEN: must be at least 32 bytes/);
    expect(r.code).toBe(78);
  });
});
