-- Owner analytics (docs/http.md "Owner analytics"), built by the analytics service (src/analytics/) from the two
-- event topics alone: nothing here is read from bookings, so replaying the topics into empty tables rebuilds them.

-- What the events said of each booking. Either topic's event may come first (they are different topics), so
-- every fact is nullable and set once; a booking's figures are a function of this row alone.
CREATE TABLE analytics_bookings (
  booking_id   bigint PRIMARY KEY,
  property_id  bigint NOT NULL,
  -- from booking-created
  start_date   date,
  end_date     date,
  total_price  numeric(12, 2),
  requested_at timestamptz,
  -- from booking-status-updated
  accepted_at  timestamptz,
  cancelled_at timestamptz,
  reason       text,
  -- The owner's answer: the acceptance, or a decline (a cancel by the owner of a pending request).
  responded_on date GENERATED ALWAYS AS ((coalesce(accepted_at, CASE WHEN reason = 'owner_declined' THEN cancelled_at END) AT TIME ZONE 'UTC')::date) STORED,
  response_minutes float8 GENERATED ALWAYS AS (
    extract(epoch FROM coalesce(accepted_at, CASE WHEN reason = 'owner_declined' THEN cancelled_at END) - requested_at) / 60) STORED
);
-- The median response time of a property over a range of days reads one index range.
CREATE INDEX analytics_bookings_response_idx ON analytics_bookings (property_id, responded_on) WHERE response_minutes IS NOT NULL;

-- The figures that add up, per property and UTC day: requests on the day of the request, accepted (and the
-- revenue of the acceptance) on the day of acceptance, cancelled and expired on the day of the cancel,
-- nights_booked on each night of a stay accepted and not cancelled since.
CREATE TABLE analytics_daily (
  property_id   bigint NOT NULL,
  day           date NOT NULL,
  requests      integer NOT NULL DEFAULT 0,
  accepted      integer NOT NULL DEFAULT 0,
  cancelled     integer NOT NULL DEFAULT 0,
  expired       integer NOT NULL DEFAULT 0,
  nights_booked integer NOT NULL DEFAULT 0,
  revenue       numeric(14, 2) NOT NULL DEFAULT 0,
  PRIMARY KEY (property_id, day)
);
