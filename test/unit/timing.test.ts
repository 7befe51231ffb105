import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { DeadlineExceeded, repeat, Stops, withDeadline } from '../../src/timing.ts'
import { waitFor, WaitTimeout } from '../helpers/wait.ts'

test('Stops names what has begun stopping and not finished, and forgets each as it ends', async () => {
  const stops = new Stops()
  const api = Promise.withResolvers<void>()
  const relay = Promise.withResolvers<void>()
  const all = stops.all({ api: () => api.promise, relay: () => relay.promise, absent: undefined })
  assert.deepEqual(stops.unfinished(), ['api', 'relay'], 'a piece this process does not run is not waited for')
  relay.resolve()
  await sleep(0)
  assert.deepEqual(stops.unfinished(), ['api'])
  api.resolve()
  await all
  assert.deepEqual(stops.unfinished(), [])
})

test('Stops: a stop that fails is no longer unfinished, and all() rejects with its error', async () => {
  const stops = new Stops()
  const other = Promise.withResolvers<void>()
  const all = stops.all({ broken: () => Promise.reject(new Error('pool already ended')), other: () => other.promise })
  await assert.rejects(all, { message: 'pool already ended' })
  assert.deepEqual(stops.unfinished(), ['other'], 'the others go on stopping')
  other.resolve()
})

test('withDeadline: the outcome in time, a DeadlineExceeded naming what it waited for when late', async () => {
  assert.equal(await withDeadline(Promise.resolve(7), 1000, 'seven'), 7)
  await assert.rejects(withDeadline(Promise.reject(new Error('refused')), 1000, 'a refusal'), { message: 'refused' })
  const late = await withDeadline(new Promise(() => {}), 20, 'the commit').catch((err: unknown) => err)
  assert.ok(late instanceof DeadlineExceeded)
  assert.equal(late.what, 'the commit')
  assert.equal(late.message, 'the commit did not finish within 20 ms')
})

test('waitFor: a check that never answers is a WaitTimeout; an error the check throws passes as it is, even late', async () => {
  const hung = await waitFor('a hung check', () => new Promise(() => {}), 50).catch((err: unknown) => err)
  assert.ok(hung instanceof WaitTimeout)
  assert.match(hung.message, /^timed out after 50 ms waiting for a hung check \(its last check had not answered: /)

  const falsy = await waitFor('never true', () => false, 50, 10).catch((err: unknown) => err)
  assert.ok(falsy instanceof WaitTimeout)
  assert.match(falsy.message, /\(last: false\)$/)

  // The check fails after the wait's deadline has passed (it held the thread that long), before the wait's timer could
  // fire: its error is passed on, not reported as a timeout.
  const busyThenRefused = () => {
    const until = Date.now() + 80
    while (Date.now() < until);
    return Promise.reject(new Error('connection refused'))
  }
  const thrown = await waitFor('a late failure', busyThenRefused, 50).catch((err: unknown) => err)
  assert.ok(!(thrown instanceof WaitTimeout), `not a timeout: ${String(thrown)}`)
  assert.equal((thrown as Error).message, 'connection refused')
})

test('repeat: stop() aborts the signal the step in hand was given, and waits for that step to end', async () => {
  const pieces: number[] = []
  let seen: AbortSignal | undefined
  const started = Promise.withResolvers<void>()
  // A step of a hundred slow pieces (an e-mail sweep) that ends after the piece in hand once told to stop.
  const loop = repeat(async stopping => {
    seen = stopping
    started.resolve()
    for (let i = 0; i < 100 && !stopping.aborted; i++) {
      await sleep(10)
      pieces.push(i)
    }
    return 1000
  }, () => {})
  await started.promise
  await waitFor('three pieces', () => pieces.length >= 3)
  assert.equal(seen!.aborted, false)
  await loop.stop()
  assert.equal(seen!.aborted, true)
  const after = pieces.length
  assert.ok(after < 100, `stopped after ${after} pieces, not the whole step`)
  await sleep(50)
  assert.equal(pieces.length, after, 'nothing runs after stop() resolved')
})
