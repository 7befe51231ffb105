-- Security hardening (issue 8): throttle state that every API replica shares, and the cap on a traveler's
-- pending requests.

-- Sign-in failures now know the client address they came from: src/auth/throttle.ts counts them per account
-- and address, per address, and per account. Rows older than the window are deleted as new ones arrive.
ALTER TABLE login_failures ADD COLUMN client text;
CREATE INDEX login_failures_client_idx ON login_failures (client, failed_at);

-- Registrations per client address, for the registration throttle.
CREATE TABLE registrations (
  client text NOT NULL,
  at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registrations_client_idx ON registrations (client, at);

-- A traveler may hold at most hostly.max_pending_per_traveler pending requests (the API sets it per connection
-- from MAX_PENDING_PER_TRAVELER; unset, as for tools and tests writing rows directly, there is no cap).
-- A trigger, so the check rides the booking's own INSERT (request_booking) with no extra round trip; the
-- advisory lock per traveler makes two requests of one traveler at once count each other.
CREATE INDEX bookings_pending_traveler_idx ON bookings (traveler_id) WHERE status = 'pending';

CREATE FUNCTION cap_pending_requests() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  cap int := nullif(current_setting('hostly.max_pending_per_traveler', true), '')::int;
  pending int;
BEGIN
  IF cap IS NULL OR NEW.status <> 'pending' THEN RETURN NEW; END IF;
  PERFORM pg_advisory_xact_lock(7243012, (NEW.traveler_id % 2147483647)::int);
  SELECT count(*) INTO pending FROM (
    SELECT 1 FROM bookings b WHERE b.traveler_id = NEW.traveler_id AND b.status = 'pending' LIMIT cap
  ) t;
  IF pending >= cap THEN
    RAISE EXCEPTION 'traveler % already has % pending requests', NEW.traveler_id, pending
      USING ERRCODE = 'HL001', DETAIL = cap::text;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER bookings_cap_pending BEFORE INSERT ON bookings
  FOR EACH ROW EXECUTE FUNCTION cap_pending_requests();
