import { GenericError } from '@platformatic/kafka'

// @platformatic/kafka classifies its failures itself, where they enter: GenericError subclasses with a `code` and
// `canRetry` (NetworkError for a socket, ProtocolError by Kafka's error code). canRetry false says the client will
// not retry the request, not that it can never succeed: only true decides anything.

/** Kafka is away, or asked for the request again: worth trying again as it is. */
export const isKafkaRetryable = (err: unknown): boolean =>
  err instanceof Error && GenericError.isGenericError(err) && (err as GenericError & { canRetry?: unknown }).canRetry === true
