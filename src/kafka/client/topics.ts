// Every event topic T comes with two more: T.retry, where a failing event waits for its next round without
// stalling T's partition, and T.dlq, where it lands after its last attempt (or at once, if it cannot be read).

export const retryTopic = (topic: string) => `${topic}.retry`
export const deadLetterTopic = (topic: string) => `${topic}.dlq`

/** The topic a retry or dead-letter topic belongs to (itself for an event topic). */
export const sourceTopic = (topic: string) => topic.replace(/\.(retry|dlq)$/, '')

export const withFailureTopics = (topics: string[]) => topics.flatMap(t => [t, retryTopic(t), deadLetterTopic(t)])
