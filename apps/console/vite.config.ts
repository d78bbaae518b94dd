import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built to static files that the api serves at /console (apps/api/src/console-routes.ts).
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/v1': 'http://localhost:3000', '/admin': 'http://localhost:3000' } },
});
