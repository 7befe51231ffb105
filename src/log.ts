import pino, { type Logger } from 'pino'

/** JSON lines on stdout. Every Kafka-related line names Kafka, so `grep Kafka` finds them (as the seed monitors). */
export function createLogger (level: string, name = 'hostly'): Logger {
  return pino({ name, level })
}
