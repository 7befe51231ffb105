import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// `npm run dev:web`: Vite on :5173 with the API (`npm start`, :3000) behind /api (WebSocket too) and /docs.
// The proxy keeps the browser's Host, so the API's same-origin check sees the dev server's own origin.
const api = process.env.HOSTLY_API ?? 'http://127.0.0.1:3000'

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline <script>/<style> and no data: module preload polyfill: the files run under the API's CSP.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0
  },
  server: {
    proxy: {
      '/api': { target: api, ws: true },
      '/docs': { target: api }
    }
  }
})
