import { createLogger, runMain } from '@hub/observability';
import { loadGatewayConfig } from './config';
import { startGateway } from './server';

runMain('agent-gateway', async () => {
  const config = loadGatewayConfig();
  await startGateway(config, createLogger('agent-gateway', config.LOG_LEVEL));
});
