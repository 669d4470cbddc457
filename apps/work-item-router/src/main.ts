import 'reflect-metadata';
import { runMain } from '@hub/observability';
import { startRouter } from './bootstrap';
import { loadRouterConfig } from './config';

runMain('work-item-router', () => startRouter(loadRouterConfig()));
