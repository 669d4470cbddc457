import 'reflect-metadata';
import { loadConfig } from '@hub/config';
import { runMain } from '@hub/observability';
import { startHandoffOrchestrator } from './bootstrap';
import { HandoffOrchestratorConfigSchema } from './config';

runMain('handoff-orchestrator', () =>
  startHandoffOrchestrator(loadConfig('handoff-orchestrator', HandoffOrchestratorConfigSchema)),
);
