import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('./src/web', import.meta.url));
const workspace = fileURLToPath(new URL('../..', import.meta.url));

// The console's web bundle: React + Mantine + Recharts, built into dist/apps/admin-console/web and served
// by the console server (src/main.ts). `@hub/integration-schemas` and `@hub/escalation-rules` are the platform's own zod schemas (of the
// integration types, of the escalation rules; pure zod, no Node code), so forms validate as the orchestrator does.
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  resolve: {
    alias: {
      '@hub/integration-schemas': `${workspace}/libs/integrations/src/integration-schemas.ts`,
      '@hub/escalation-rules': `${workspace}/libs/escalation/src/rules/rules.ts`,
    },
  },
  build: {
    outDir: `${workspace}/dist/apps/admin-console/web`,
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  logLevel: 'warn',
});
