import { join } from 'node:path'
import type { Schema } from './db/schema.ts'

/** Hostly's database: the numbered migrations, then the stored functions that are code (see src/bookings/booking.sql). */
export const SCHEMA: Schema = {
  migrationsDir: join(import.meta.dirname, 'db', 'migrations'),
  root: import.meta.dirname,
  functionFiles: ['bookings/booking.sql', 'auth/throttle.sql', 'reviews/review.sql']
}
