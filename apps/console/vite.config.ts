import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built to static files that the api serves at /console (apps/api/src/console-routes.ts).
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  // The client's ES module sources, not its CommonJS build: smaller, tree-shaken.
  resolve: { alias: { '@baton/client': fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 2000, rolldownOptions: { checks: { pluginTimings: false } } },
  server: { proxy: { '/v1': 'http://localhost:3000', '/admin': 'http://localhost:3000' } },
});
