import type { Message } from '@platformatic/kafka'
import { createProducer } from '../client/clients.ts'
import { deadLetterTopic, retryTopic, sourceTopic } from '../client/topics.ts'

/** Headers a retried or dead-lettered record carries besides the event's own (event-id, event-type, event-version). */
export const FAILURE_HEADERS = {
  originalTopic: 'original-topic',
  originalPartition: 'original-partition',
  originalOffset: 'original-offset',
  group: 'consumer-group',
  errorClass: 'error-class',
  errorMessage: 'error-message',
  attempts: 'attempt-count',
  retryRound: 'retry-round',
  retryAt: 'retry-at',
  failedAt: 'failed-at'
} as const

export type KafkaMessage = Message<string, string, string, string>

export interface Failure {
  errorClass: string
  message: string
  /** Attempts made so far, all rounds included. */
  attempts: number
}

/**
 * Moves a record that could not be processed out of its partition's way: to T.retry for another round
 * later, or to T.dlq for good. The original's key, value and event headers travel unchanged; where it
 * first came from (topic, partition, offset) is kept across rounds.
 */
export class FailureRouter {
  private readonly producer: ReturnType<typeof createProducer>
  private readonly group: string

  /** The record's own topic says where it goes: T, or T.retry in a later round, both lead to T.retry and T.dlq. */
  constructor (brokers: string[], group: string) {
    this.producer = createProducer(brokers, `hostly-failures-${group}`)
    this.group = group
  }

  async toRetry (message: KafkaMessage, failure: Failure, round: number, delayMs: number): Promise<void> {
    await this.send(retryTopic(sourceTopic(message.topic)), message, failure, {
      [FAILURE_HEADERS.retryRound]: String(round),
      [FAILURE_HEADERS.retryAt]: new Date(Date.now() + delayMs).toISOString()
    })
  }

  async toDeadLetter (message: KafkaMessage, failure: Failure): Promise<void> {
    await this.send(deadLetterTopic(sourceTopic(message.topic)), message, failure, {})
  }

  async close () {
    await this.producer.close().catch(() => {})
  }

  private async send (topic: string, message: KafkaMessage, failure: Failure, extra: Record<string, string>) {
    const headers = Object.fromEntries(message.headers)
    await this.producer.send({
      messages: [{
        topic,
        key: message.key,
        value: message.value,
        headers: {
          ...headers,
          [FAILURE_HEADERS.originalTopic]: headers[FAILURE_HEADERS.originalTopic] ?? message.topic,
          [FAILURE_HEADERS.originalPartition]: headers[FAILURE_HEADERS.originalPartition] ?? String(message.partition),
          [FAILURE_HEADERS.originalOffset]: headers[FAILURE_HEADERS.originalOffset] ?? String(message.offset),
          [FAILURE_HEADERS.group]: this.group,
          [FAILURE_HEADERS.errorClass]: failure.errorClass,
          [FAILURE_HEADERS.errorMessage]: failure.message.slice(0, 1000),
          [FAILURE_HEADERS.attempts]: String(failure.attempts),
          [FAILURE_HEADERS.failedAt]: new Date().toISOString(),
          ...extra
        }
      }]
    })
  }
}
