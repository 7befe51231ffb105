// Kubernetes gives every pod, unless its template says enableServiceLinks: false, variables for each Service of
// its namespace: the Service kafka gives KAFKA_PORT=tcp://<ip>:9092, KAFKA_SERVICE_HOST and more. Hostly reads
// KAFKA_PORT as a number, and apache/kafka turns every KAFKA_* variable into a broker setting. This renders the
// overlays, adds those variables where Kubernetes would, and loads each Hostly process's configuration with the
// real loadConfig; it also shows that the same pods with service links on would not start.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { loadConfig } from '../../src/config.ts'
import { containerEnv, isHostly, OVERLAYS, render, serviceLinkEnv, workloads, type Obj } from './manifests.ts'

/** The environment of each container of the overlay, as the kubelet would build it (container's own wins). */
function environments (objs: Obj[], links: 'as-rendered' | 'forced-on') {
  const injected = serviceLinkEnv(objs)
  return workloads(objs).flatMap(w => w.spec.template.spec.containers.map((c: any) => {
    const on = links === 'forced-on' || w.spec.template.spec.enableServiceLinks !== false
    return { where: `${w.metadata.name}/${c.name}`, image: c.image as string, env: { ...(on ? injected : {}), ...containerEnv(objs, w, c) } }
  }))
}

for (const overlay of OVERLAYS) {
  describe(`overlay ${overlay}`, () => {
    const objs = render(overlay)

    test('every Hostly process loads its configuration in the pod environment Kubernetes would give it', () => {
      const hostly = environments(objs, 'as-rendered').filter(e => isHostly(e.image))
      assert.ok(hostly.length >= 5)
      for (const { where, env } of hostly) assert.doesNotThrow(() => loadConfig(env), where)
    })

    test('no KAFKA_* variable reaches the broker pods but those the manifests set', () => {
      const injected = Object.keys(serviceLinkEnv(objs)).filter(k => k.startsWith('KAFKA_'))
      for (const { where, env } of environments(objs, 'as-rendered').filter(e => /kafka/.test(e.image))) {
        for (const k of injected) assert.equal(k in env, false, `${where}: ${k} injected`)
      }
    })

    if (overlay !== 'strimzi') { // there the operator, not the overlay, makes the Kafka Services
      test('with service links on, the same pods would fail: Hostly on KAFKA_PORT, the broker on KAFKA_* settings', () => {
        const on = environments(objs, 'forced-on')
        const failing = on.filter(e => isHostly(e.image)).filter(({ env }) => { try { loadConfig(env); return false } catch { return true } })
        assert.equal(failing.length, on.filter(e => isHostly(e.image)).length, 'every Hostly process would stop')
        assert.throws(() => loadConfig(on.find(e => isHostly(e.image))!.env), /KAFKA_PORT must be an integer/)
        const broker = on.find(e => e.where.startsWith('kafka/'))!
        assert.match(broker.env.KAFKA_PORT, /^tcp:\/\//) // apache/kafka would write port=tcp://… into server.properties
        assert.ok(broker.env.KAFKA_SERVICE_HOST)
      })
    }
  })
}
