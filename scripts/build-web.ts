// npm run build:web: web/ built by Vite into web/dist (WEB_DIST), which the API serves at /, then each text file
// precompressed beside it (precompress.ts). `--if-missing` (npm start's prestart) builds only when there is no
// build yet, so a fresh clone opens the app.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { precompress } from './precompress.ts'

const root = join(import.meta.dirname, '..')
const dist = join(root, 'web/dist')
if (process.argv.includes('--if-missing') && existsSync(join(dist, 'index.html'))) process.exit(0)
const vite = join(root, 'node_modules/vite/bin/vite.js')
const run = spawnSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
if (run.status !== 0) process.exit(run.status ?? 1)
await precompress(dist)
