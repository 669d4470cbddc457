import { writeSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '@hub/observability';
import { ROUTER_CONFIG } from '../tokens';
import type { RouterConfig } from '../config';

/**
 * TEST HOOK for the crash-safety test (commit → crash → restart → the offer still reaches the
 * agent exactly once). Inert unless `ROUTER_CRASH_AFTER_COMMIT=offer` is set: then the process
 * kills itself with SIGKILL (no shutdown hooks, no flush) immediately after the commit of the
 * first transaction that created an offer — before the outbox relay can publish it.
 */
@Injectable()
export class CrashHook {
  constructor(
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Called right after a commit; `what` is the kind of state the transaction created. */
  afterCommit(what: 'offer'): void {
    if (this.config.ROUTER_CRASH_AFTER_COMMIT !== what) return;
    this.logger.fatal({ hook: 'ROUTER_CRASH_AFTER_COMMIT', what }, 'crash hook: SIGKILL after commit');
    writeSync(2, `crash hook: SIGKILL after commit (${what})\n`); // synchronous: survives the kill
    process.kill(process.pid, 'SIGKILL');
  }
}
