#!/usr/bin/env node
// The `hostly` command. Hostly runs on the Node.js pinned in devDependencies (the `node` package):
// when this script is started by an older Node, it hands over to that one.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'src', 'cli.ts')

if (Number(process.versions.node.split('.')[0]) >= 24) {
  await import(cli)
} else {
  const child = spawn(join(root, 'node_modules', 'node', 'bin', 'node'), [cli, ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code, signal) => {
    // Hostly handles SIGINT and SIGTERM itself: a child ended by a signal was killed (or crashed), and says nothing.
    if (signal) console.error(`hostly: the pinned Node.js process running Hostly was ended by ${signal}`)
    process.exit(code ?? (signal ? 1 : 0))
  })
}
