import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ConfigError, loadConfig, VARIABLES, variableNames } from '../src/config.ts'
import { ROOT } from './helpers/processes.ts'

// src/config.ts's VARIABLES is the one list of the variables; README.md's table must say the same.

/** README.md's configuration table: variable name → default as written ('' for "–"). */
function readmeTable (): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.split(/^## /m).find(s => s.startsWith('Configuration'))
  assert.ok(section, 'README.md has a "## Configuration" section')
  const rows = section.split('\n').map(line => /^\| `([A-Z0-9_]+)` \| (.*?) \|/.exec(line)).filter(m => m !== null)
  return new Map(rows.map(([, name, cell]) => [name, cell.trim() === '–' ? '' : cell.trim().replace(/^`(.*)`$/, '$1')]))
}

test('README.md\'s configuration table lists exactly the variables of src/config.ts, with their defaults', () => {
  const readme = readmeTable()
  const expected = new Map(Object.values(VARIABLES).flatMap(v => [[v.name, v.default] as const, ...(v.alias ? [[v.alias, ''] as const] : [])]))
  assert.deepEqual([...readme.keys()].sort(), [...expected.keys()].sort())
  for (const [name, value] of expected) assert.equal(readme.get(name), value, `default of ${name}`)
})

test('with no environment, every field has its default; durations and flags are parsed', () => {
  const config = loadConfig({})
  assert.equal(config.port, 3000)
  assert.deepEqual(config.kafkaBrokers, [])
  assert.equal(config.bookingPendingTtlMs, 24 * 3_600_000)
  assert.equal(config.retryDelayMs, 10_000)
  assert.equal(config.sessionTtlHours, 336)
  assert.equal(config.cookieSecure, false)
  assert.equal(config.bookingMaxAdvanceDays, 730)
  assert.deepEqual(Object.keys(config).sort(), [...Object.keys(VARIABLES), 'kafkaSasl', 'kafkaTls', 's3'].sort())
  assert.equal(config.s3, undefined, 'the local folder unless S3_BUCKET')
  assert.equal(config.kafkaSasl, undefined, 'no SASL unless a mechanism is set')
  assert.equal(config.kafkaTls, undefined, 'plaintext unless KAFKA_TLS')
})

test('SASL settings come together: a mechanism needs its user and password', () => {
  assert.deepEqual(loadConfig({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256', KAFKA_SASL_USERNAME: 'hostly', KAFKA_SASL_PASSWORD: 's3cret' }).kafkaSasl,
    { mechanism: 'SCRAM-SHA-256', username: 'hostly', password: 's3cret' })
  assert.throws(() => loadConfig({ KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' }), { message: /KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required/ })
  assert.throws(() => loadConfig({ KAFKA_SASL_MECHANISM: 'GSSAPI' }), { message: /^KAFKA_SASL_MECHANISM must be one of/ })
  assert.throws(() => loadConfig({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: '/nonexistent/ca.pem' }), { message: /^KAFKA_TLS_CA_FILE: cannot read/ })
})

test('S3 settings come together: a bucket, both keys or neither, the path style when asked', () => {
  assert.deepEqual(loadConfig({ S3_BUCKET: 'media', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret', S3_FORCE_PATH_STYLE: 'true' }).s3,
    { bucket: 'media', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', credentials: { accessKeyId: 'id', secretAccessKey: 'secret' }, forcePathStyle: true })
  assert.equal(loadConfig({ S3_BUCKET: 'media' }).s3?.credentials, undefined, "the SDK's default credentials")
  assert.throws(() => loadConfig({ S3_BUCKET: 'media', S3_ACCESS_KEY_ID: 'id' }), { message: /^S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together/ })
  assert.throws(() => loadConfig({ S3_ENDPOINT: 'ftp://x' }), { message: /^S3_ENDPOINT must be a http:\/\/ or https:\/\/ URL/ })
})

test('KAFKA_BROKER is read when KAFKA_BROKERS is unset; an empty value counts as unset', () => {
  assert.deepEqual(loadConfig({ KAFKA_BROKER: 'k:9092' }).kafkaBrokers, ['k:9092'])
  assert.deepEqual(loadConfig({ KAFKA_BROKERS: 'a:1,b:2', KAFKA_BROKER: 'k:9092' }).kafkaBrokers, ['a:1', 'b:2'])
  assert.equal(loadConfig({ PORT: '' }).port, 3000)
  assert.ok(variableNames().includes('KAFKA_BROKER'))
})

test('a bad value stops loading with an error that names the variable', () => {
  assert.throws(() => loadConfig({ PORT: '70000' }), (err: Error) => err instanceof ConfigError && /^PORT must be an integer/.test(err.message))
  assert.throws(() => loadConfig({ RETRY_DELAY: 'soon' }), { message: /^RETRY_DELAY must be a positive duration/ })
  assert.throws(() => loadConfig({ COOKIE_SECURE: 'yes' }), { message: /^COOKIE_SECURE must be true or false/ })
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), { message: /^DATABASE_URL must be a postgres:\/\/ URL/ })
  assert.throws(() => loadConfig({ KAFKA_BROKERS: 'nohost' }), { message: /^KAFKA_BROKERS: "nohost" is not host:port/ })
  assert.throws(() => loadConfig({ KAFKA_PREFIX: 'staging/' }), { message: /^KAFKA_PREFIX may hold only letters, digits/ })
  assert.equal(loadConfig({ KAFKA_PREFIX: 'team_a.staging-2.' }).kafkaPrefix, 'team_a.staging-2.')
  assert.equal(loadConfig({}).kafkaPrefix, '')
})

test('TRUST_PROXY takes addresses, CIDRs and named ranges, and refuses true and hop counts, naming what to give instead', () => {
  assert.deepEqual(loadConfig({}).trustProxy, [])
  assert.deepEqual(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, [])
  assert.deepEqual(loadConfig({ TRUST_PROXY: ' 10.244.0.0/16, 192.0.2.7,fd00::/8 , loopback' }).trustProxy,
    ['10.244.0.0/16', '192.0.2.7', 'fd00::/8', 'loopback'])
  for (const refused of ['true', '1', '2']) {
    assert.throws(() => loadConfig({ TRUST_PROXY: refused }), (err: Error) => err instanceof ConfigError &&
      err.message.startsWith(`TRUST_PROXY=${refused} is refused`) && /their addresses or CIDRs, comma-separated/.test(err.message))
  }
  for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0', '999.1.1.1', '10.0.0.0/8/8', 'proxy.example', '10.0.0.1/']) {
    assert.throws(() => loadConfig({ TRUST_PROXY: `127.0.0.1,${bad}` }), { message: `TRUST_PROXY: "${bad}" is not an address, a CIDR, loopback, linklocal or uniquelocal` })
  }
})

test('KAFKA_TOPIC_REPLICATION_FACTOR and KAFKA_TOPIC_MIN_INSYNC_REPLICAS: unset by default (the cluster\'s size decides), never more in sync than replicas', () => {
  const unset = loadConfig({})
  assert.deepEqual([unset.kafkaTopicReplicationFactor, unset.kafkaTopicMinInsyncReplicas], [undefined, undefined])
  const set = loadConfig({ KAFKA_TOPIC_REPLICATION_FACTOR: '3', KAFKA_TOPIC_MIN_INSYNC_REPLICAS: '2' })
  assert.deepEqual([set.kafkaTopicReplicationFactor, set.kafkaTopicMinInsyncReplicas], [3, 2])
  assert.throws(() => loadConfig({ KAFKA_TOPIC_REPLICATION_FACTOR: '0' }), { message: /^KAFKA_TOPIC_REPLICATION_FACTOR must be an integer between 1 and 32/ })
  assert.throws(() => loadConfig({ KAFKA_TOPIC_REPLICATION_FACTOR: '2', KAFKA_TOPIC_MIN_INSYNC_REPLICAS: '3' }),
    { message: 'KAFKA_TOPIC_MIN_INSYNC_REPLICAS (3) must not exceed KAFKA_TOPIC_REPLICATION_FACTOR (2): no write could succeed' })
})
