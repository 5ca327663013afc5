import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer build. Relative base so the same files load from `serve` (http) and from Electron (file://).
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: { port: 5173, strictPort: false },
});
