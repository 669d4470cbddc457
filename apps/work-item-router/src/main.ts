import 'reflect-metadata';
import { startRouter } from './bootstrap';
import { loadRouterConfig } from './config';

startRouter(loadRouterConfig()).catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
