import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Pool } from '../db/pool.ts'
import { errorBody } from '../errors.ts'
import { HEALTHY, readiness } from '../health/checks.ts'
import { METRICS_CONTENT_TYPE } from './http.ts'
import type { Metrics } from './registry.ts'

// The operations port of every process (METRICS_PORT): /healthz, /readyz and /metrics. The API's /metrics is
// only here, never on its public PORT (docs/http.md, Operations). Plain node:http: three fixed paths need no framework.

export interface OperationsServer {
  url: string
  close (): Promise<void>
}

export async function startOperationsServer (opts: { port: number, host: string, pool: Pool, kafkaBrokers: string[], metrics: Metrics, log: { warn (o: object, m: string): void } }): Promise<OperationsServer> {
  const send = (res: import('node:http').ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body)
  }
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(body))

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, errorBody('METHOD_NOT_ALLOWED'))
    if (path === '/healthz') return json(res, 200, HEALTHY)
    if (path === '/readyz') {
      void readiness(opts.pool, opts.kafkaBrokers, opts.log).then(({ status, body }) => json(res, status, body))
      return
    }
    if (path === '/metrics') {
      void opts.metrics.render().then(text => send(res, 200, METRICS_CONTENT_TYPE, text), () => send(res, 500, 'text/plain', 'metrics failed\n'))
      return
    }
    json(res, 404, errorBody('NOT_FOUND', { what: `Route ${req.method} ${path}` }))
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve() })
  })
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    async close () {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
