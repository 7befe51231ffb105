// The seed's design (the original Hostly's Kafka integration), as the baseline of `npm run bench`: one Express
// backend with kafkajs 2.2.4. POST /api/bookings inserts the booking, then publishes booking-created and
// awaits the broker (acks=all, kafkajs's default) before answering 201; the owner service consumes the
// topic in the same process ("consumers are automatically started when the backend service starts") and
// writes the owner's notification. No outbox, no idempotency, no transaction: the seed had none.
//
// For a fair comparison it authenticates exactly as Hostly does: the hostly_session cookie's token, hashed
// with sha256, looked up in PostgreSQL's sessions table joined to users, on every request, with the same
// pool size (20). It runs on a database migrated with Hostly's schema (same tables, indexes, constraints).
//
// Env: PORT, DATABASE_URL, KAFKA_BROKERS, TOPIC (default booking-created), GROUP (default owner-service-group).
import { createHash, randomUUID } from 'node:crypto'
import express, { type NextFunction, type Request, type Response } from 'express'
import { Kafka, logLevel } from 'kafkajs'
import pg from 'pg'

const env = process.env
const topic = env.TOPIC ?? 'booking-created'
pg.types.setTypeParser(pg.types.builtins.INT8, Number)
pg.types.setTypeParser(pg.types.builtins.NUMERIC, Number)
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v)

const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 20 })
const kafka = new Kafka({ clientId: 'hostly-backend', brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.WARN })
const producer = kafka.producer()
const consumer = kafka.consumer({ groupId: env.GROUP ?? 'owner-service-group' })

// ---- kafka.service.js
async function publishBookingCreated (booking: Record<string, any>) {
  const event = {
    id: booking.id,
    property_id: booking.property_id,
    traveler_id: booking.traveler_id,
    start_date: booking.start_date,
    end_date: booking.end_date,
    num_guests: booking.num_guests,
    status: booking.status,
    total_price: booking.total_price,
    created_at: booking.created_at,
    timestamp: new Date().toISOString()
  }
  await producer.send({ topic, acks: -1, messages: [{ key: String(booking.id), value: JSON.stringify(event) }] })
}

// ---- booking-consumer.service.js: the owner service
async function handleBookingCreated (event: Record<string, any>) {
  const { rows: [row] } = await pool.query(
    `SELECT p.name AS property, p.owner_id, u.name AS traveler FROM bookings b
       JOIN properties p ON p.id = b.property_id JOIN users u ON u.id = b.traveler_id WHERE b.id = $1`, [event.id])
  if (!row) return
  await pool.query(
    'INSERT INTO notifications (user_id, type, booking_id, event_id, message) VALUES ($1, $2, $3, $4, $5)',
    [row.owner_id, 'booking_requested', event.id, randomUUID(),
      `${row.traveler} requested ${row.property} from ${event.start_date} to ${event.end_date} for ${event.num_guests} guests.`])
}

// ---- middleware/auth.js: the same cookie session as Hostly's
async function requireTraveler (req: Request, res: Response, next: NextFunction) {
  try {
    const token = /(?:^|;\s*)hostly_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
    if (!token) return res.status(401).json({ code: 'UNAUTHORIZED', message: 'Sign in first.' })
    const { rows: [user] } = await pool.query(
      `SELECT u.id, u.name, u.email, u.role, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > now()`, [createHash('sha256').update(decodeURIComponent(token)).digest()])
    if (!user) return res.status(401).json({ code: 'UNAUTHORIZED', message: 'Sign in first.' })
    if (user.role !== 'traveler') return res.status(403).json({ code: 'FORBIDDEN', message: 'Only travelers may do this.' })
    res.locals.user = user
    next()
  } catch (err) {
    next(err)
  }
}

// ---- routes/booking.routes.js
const DATE = /^\d{4}-\d{2}-\d{2}$/
const app = express()
app.use(express.json({ limit: '64kb' }))
app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }) })

app.post('/api/bookings', requireTraveler, async (req, res, next) => {
  try {
    const { property_id, start_date, end_date, num_guests } = req.body ?? {}
    if (!Number.isInteger(property_id) || !DATE.test(start_date) || !DATE.test(end_date) || !Number.isInteger(num_guests) || num_guests < 1) {
      return res.status(400).json({ code: 'VALIDATION_ERROR', message: 'property_id, start_date, end_date and num_guests are required.' })
    }
    const nights = (Date.parse(end_date) - Date.parse(start_date)) / 86_400_000
    if (!(nights >= 1) || start_date < new Date().toISOString().slice(0, 10)) {
      return res.status(400).json({ code: 'VALIDATION_ERROR', message: 'Invalid dates.' })
    }
    const { rows: [property] } = await pool.query('SELECT * FROM properties WHERE id = $1', [property_id])
    if (!property) return res.status(404).json({ code: 'NOT_FOUND', message: 'Property not found.' })
    if (num_guests > property.max_guests) return res.status(400).json({ code: 'VALIDATION_ERROR', message: 'Too many guests.' })
    const { rowCount } = await pool.query(
      `SELECT 1 FROM bookings WHERE property_id = $1 AND status = 'accepted'
          AND daterange(start_date, end_date) && daterange($2::date, $3::date) LIMIT 1`, [property_id, start_date, end_date])
    if (rowCount) return res.status(409).json({ code: 'DATES_UNAVAILABLE', message: 'These dates are taken.' })
    const { rows: [booking] } = await pool.query(
      // owner_id: a column of the schema the seed did not have (request_booking() sets it in Hostly).
      `INSERT INTO bookings (property_id, traveler_id, start_date, end_date, num_guests, total_price, owner_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [property_id, res.locals.user.id, start_date, end_date, num_guests, nights * property.price_per_night, property.owner_id])
    await publishBookingCreated(booking)
    res.status(201).json({ booking })
  } catch (err) {
    next(err)
  }
})

app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
  console.error(err)
  res.status(500).json({ code: 'INTERNAL_ERROR', message: 'Something went wrong.' })
})

// ---- server.js
await producer.connect()
await consumer.connect()
await consumer.subscribe({ topic })
await consumer.run({ eachMessage: async ({ message }) => handleBookingCreated(JSON.parse(message.value!.toString())) })
const server = app.listen(Number(env.PORT ?? 3000), '127.0.0.1', () => console.log(`Baseline listening on http://127.0.0.1:${env.PORT ?? 3000}`))

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    server.close()
    server.closeAllConnections()
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()])
    await pool.end()
    process.exit(0)
  })
}
