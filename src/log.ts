import { createRequire } from 'node:module'
import pino, { type DestinationStream, type Logger } from 'pino'
import type prettyStream from 'pino-pretty'
import { logFields } from './tracing/spans.ts'

/**
 * JSON lines on stdout, for machines; with pretty, one readable line per entry (time, level, message, then the
 * fields), for a person at a terminal. Every Kafka-related line names Kafka, so `grep Kafka` finds them either
 * way (as the seed monitors). Pretty output is written synchronously, so nothing is lost at process.exit.
 * A line written under an active span carries its trace_id and span_id (tracing on only). destination: other than stdout (tests).
 */
export function createLogger (level: string, name = 'hostly', pretty = false, destination?: DestinationStream): Logger {
  if (!pretty) return destination ? pino({ name, level, mixin: logFields }, destination) : pino({ name, level, mixin: logFields })
  // Required only when asked for: a deployed process logs JSON and never holds the pretty printer.
  const printer = createRequire(import.meta.url)('pino-pretty') as typeof prettyStream
  return pino({ name, level, mixin: logFields }, printer({ sync: true, colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }))
}

/** Pretty when asked (--pretty, LOG_PRETTY=true), JSON when refused (LOG_PRETTY=false), else pretty on a terminal. */
export function wantsPretty (flag: boolean | undefined, setting: boolean | undefined): boolean {
  return flag ?? setting ?? process.stdout.isTTY === true
}
