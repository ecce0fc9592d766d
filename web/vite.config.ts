// Builds the pages atende serves itself (src/http/web-routes.ts): the staff console (/), the
// public chat (/chat) and the embeddable launcher (/widget.js). Output in web/dist, never
// committed. No CDN, no inline script or style: everything is a file the strict CSP allows.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [preact()],
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    manifest: true,
    // The CSP has no 'unsafe-inline': nothing may be inlined as a data: script.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { console: here('index.html'), chat: here('chat.html'), widget: here('src/widget.ts') },
      output: {
        // Sites embed the launcher by this fixed name.
        entryFileNames: (chunk) => (chunk.name === 'widget' ? 'widget.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
