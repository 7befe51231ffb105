/**
 * Every consumer service a process can run (hostly worker <name>); services-kafka.ts has their specs. Apart from
 * services.ts so that the command line can name them without loading the services.
 */
export const WORKER_NAMES = ['owner', 'traveler', 'analytics', 'messages', 'reviews', 'email'] as const
export type WorkerName = typeof WORKER_NAMES[number]
