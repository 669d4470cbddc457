import 'reflect-metadata';
import { loadConfig } from '@hub/config';
import { startHandoffOrchestrator } from './bootstrap';
import { HandoffOrchestratorConfigSchema } from './config';

async function main() {
  const config = loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema);
  await startHandoffOrchestrator(config);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
