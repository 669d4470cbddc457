import { createLogger } from '@hub/observability';
import { ConfigError } from '@hub/config';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadGatewayConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const logger = createLogger('agent-gateway', config.LOG_LEVEL);
  await startGateway(config, logger);
}

void main().catch((e) => {
  process.stderr.write(`agent-gateway failed to start: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
