/** A dependency check for `/readyz`: resolves when reachable, rejects otherwise. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/** Holds readiness checks; modules (Kafka, PostgreSQL, Redis) register theirs at start-up. */
export class HealthRegistry {
  private readonly checks: ReadinessCheck[] = [];

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  /**
   * Runs every check with a timeout (ms).
   * @returns `ok` and per-check status (`up` or the error message)
   */
  async readiness(timeoutMs = 2000): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const results: Record<string, string> = {};
    await Promise.all(
      this.checks.map(async (c) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            c.check(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          results[c.name] = 'up';
        } catch (e) {
          results[c.name] = `down: ${(e as Error).message}`;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok: Object.values(results).every((v) => v === 'up'), checks: results };
  }
}
