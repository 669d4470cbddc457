import { loadConsoleConfig } from './server/config';
import { startConsole } from './server/console-server';

/** Entry point: `node --require @swc-node/register apps/admin-console/src/main.ts`. */
async function main(): Promise<void> {
  const config = loadConsoleConfig();
  const server = await startConsole(config);
  const addr = server.address();
  console.log(
    `admin-console listening on http://${config.HOST}:${typeof addr === 'object' && addr ? addr.port : config.PORT}`,
  );
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
