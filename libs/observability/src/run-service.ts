import type { Logger } from 'pino';
import type { z } from 'zod';
import { ConfigError, loadConfig } from '@hub/config';
import { bootstrapService, type BootstrapOptions } from './bootstrap';
import { createLogger } from './logger';

/** Exit status for a bad configuration (sysexits.h EX_CONFIG). */
export const EX_CONFIG = 78;

/**
 * Runs a service's `main`: a {@link ConfigError} (bad or missing environment variables, each named) is
 * printed and exits {@link EX_CONFIG} (78); any other start-up failure prints its stack and exits 1.
 * Returns at once; the process lives on while the service's servers and consumers do.
 */
export function runMain(service: string, main: () => Promise<unknown>): void {
  main().catch((e: unknown) => {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(EX_CONFIG);
    }
    process.stderr.write(
      `${service} failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  });
}

/** The variables every hub service reads (see each app's config schema). */
interface ServiceBasics {
  PORT: number;
  HOST: string;
  LOG_LEVEL: string;
}

/**
 * The whole `main()` of a standard hub service: loads and validates the environment with `schema`
 * (fail-fast, {@link loadConfig}), creates the pino logger named `service`, lets `build` make the root
 * module (and optional `configure` / `httpsOptions`), and serves it on `PORT`/`HOST` with
 * {@link bootstrapService}. Failures exit as {@link runMain} describes.
 */
export function runService<S extends z.ZodObject>(
  service: string,
  schema: S,
  build: (
    config: z.infer<S> & ServiceBasics,
    logger: Logger,
  ) =>
    | Omit<BootstrapOptions, 'logger' | 'port' | 'host'>
    | Promise<Omit<BootstrapOptions, 'logger' | 'port' | 'host'>>,
): void {
  runMain(service, async () => {
    const config = loadConfig(service, schema) as z.infer<S> & ServiceBasics;
    const logger = createLogger(service, config.LOG_LEVEL);
    const opts = await build(config, logger);
    await bootstrapService({ ...opts, logger, port: config.PORT, host: config.HOST });
  });
}
