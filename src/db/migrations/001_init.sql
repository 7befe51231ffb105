-- Hostly's schema. Constraints live here, not only in application code.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL,
  email         text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('traveler', 'owner')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
-- E-mail addresses are unique whatever their case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE sessions (
  -- sha256 of the cookie's token: a leaked table row does not sign anyone in.
  token_hash bytea PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE login_failures (
  email     text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email_idx ON login_failures (lower(email), failed_at);

CREATE TABLE properties (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id        bigint NOT NULL REFERENCES users,
  name            text NOT NULL,
  description     text NOT NULL,
  city            text NOT NULL,
  state           text NOT NULL,
  country         text NOT NULL,
  property_type   text NOT NULL,
  price_per_night numeric(10, 2) NOT NULL CHECK (price_per_night > 0),
  bedrooms        integer NOT NULL CHECK (bedrooms >= 0),
  bathrooms       integer NOT NULL CHECK (bathrooms >= 0),
  max_guests      integer NOT NULL CHECK (max_guests >= 1),
  amenities       text[] NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX properties_owner_id_idx ON properties (owner_id);

CREATE TABLE bookings (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  property_id bigint NOT NULL REFERENCES properties,
  traveler_id bigint NOT NULL REFERENCES users,
  start_date  date NOT NULL,
  end_date    date NOT NULL,
  num_guests  integer NOT NULL CHECK (num_guests >= 1),
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'cancelled')),
  total_price numeric(12, 2) NOT NULL CHECK (total_price > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (end_date > start_date),
  -- The promise that no property is ever double-booked: two accepted stays never overlap.
  CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
    property_id WITH =, daterange(start_date, end_date) WITH &&
  ) WHERE (status = 'accepted')
);
CREATE INDEX bookings_traveler_id_idx ON bookings (traveler_id, created_at DESC);
CREATE INDEX bookings_property_id_idx ON bookings (property_id, created_at DESC);

-- Transactional outbox: written in the same transaction as the booking change, published by the relay.
CREATE TABLE outbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id     uuid NOT NULL UNIQUE,
  topic        text NOT NULL,
  key          text NOT NULL,
  payload      text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- Idempotent consumers: one row per (consumer group, event), written with the event's effect.
CREATE TABLE processed_events (
  consumer_group text NOT NULL,
  event_id       uuid NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

CREATE TABLE notifications (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users,
  type       text NOT NULL CHECK (type IN ('booking_requested', 'booking_accepted', 'booking_cancelled')),
  booking_id bigint NOT NULL REFERENCES bookings,
  event_id   uuid NOT NULL,
  message    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz
);
CREATE INDEX notifications_user_id_idx ON notifications (user_id, id DESC);
