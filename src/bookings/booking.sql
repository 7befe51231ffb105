-- The booking state machine: every rule of a booking, in one file.
--
--   request  request_booking()   (nothing) -> pending        booking-created
--   accept   accept_booking()    pending   -> accepted       booking-status-updated
--                                and each overlapping pending request -> cancelled, reason dates_taken
--   cancel   cancel_booking()    pending | accepted -> cancelled, reason traveler_cancelled or owner_declined
--   expire   expire_bookings()   pending (older than the TTL) -> cancelled, reason expired
--
-- A cancelled booking keeps why (reason) and from what (previous_status: pending or accepted): the pair tells a
-- declined request from a cancelled stay. Every change also writes a row of booking_history (status, reason, by:
-- traveler, owner or hostly), in the same transaction, so the booking page shows the whole story.
--
-- Each function locks, checks, changes the booking and writes its events to the outbox in one round trip, in the
-- caller's transaction: the events exist if and only if the change commits. The topic names are parameters, passed
-- from src/bookings/events.ts, the one place they are written; this file names no topic.
--
-- Locks, in one order everywhere so that no two transactions wait on each other in a cycle: a request takes the
-- property FOR SHARE (requests run side by side); an accept takes the property FOR NO KEY UPDATE, then the booking,
-- so it waits for the requests in flight, sees them and cancels the overlapping ones, and later requests see it;
-- cancel and expire lock only the booking. The exclusion constraint bookings_no_overlap (001_init.sql) stays the
-- last word on double booking. Functions that use plpgsql run each statement with a fresh snapshot, so a request
-- that waited for an accept on its property sees that accept (one SQL statement would keep its older snapshot).
--
-- This file is code, not history: `hostly migrate` re-applies it after the numbered migrations, every time, and
-- records its hash; processes that do not migrate refuse to start when the database's copy differs. So every
-- statement here is CREATE OR REPLACE and must be safe to run again. CREATE OR REPLACE cannot change a function's
-- arguments or result columns: to change them, drop the old signature in a numbered migration (as 008 does).

-- ISO 8601 in UTC with milliseconds, as JavaScript's Date.prototype.toISOString writes it.
CREATE OR REPLACE FUNCTION iso_utc(t timestamptz) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- Two stays overlap when they share a night: [start, end) ranges, so checking out on the day another checks in is
-- no overlap. The one definition of overlap. Written as two comparisons rather than daterange && daterange (the
-- same thing for stays of at least one night), and IMMUTABLE, one expression, not STRICT, so the planner inlines
-- it: each lookup is then a range on an index of the property's stays by end date (migration 009), and costs what
-- the overlapping stays cost, not the property's whole history. bookings_no_overlap's GiST index still enforces it.
CREATE OR REPLACE FUNCTION stays_overlap(a_start date, a_end date, b_start date, b_end date) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT a_start < b_end AND b_start < a_end $$;

-- The allowed moves: pending -> accepted, pending -> cancelled, accepted -> cancelled. Anything else is refused.
CREATE OR REPLACE FUNCTION booking_may_become(from_status text, to_status text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (from_status, to_status) IN (('pending', 'accepted'), ('pending', 'cancelled'), ('accepted', 'cancelled')) $$;

-- The booking-created payload of docs/events.md, field for field.
CREATE OR REPLACE FUNCTION booking_created_payload(b bookings) RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT json_build_object(
    'id', b.id, 'property_id', b.property_id, 'traveler_id', b.traveler_id,
    'start_date', b.start_date, 'end_date', b.end_date, 'num_guests', b.num_guests, 'status', b.status,
    'total_price', b.total_price, 'created_at', iso_utc(b.created_at), 'timestamp', iso_utc(clock_timestamp())
  )::text $$;

-- The booking-status-updated payload of docs/events.md, field for field, with `reason` and `previous_status` when the
-- booking was cancelled (reason: owner_declined, traveler_cancelled, dates_taken or expired; previous_status:
-- pending or accepted, the booking's own columns). json_strip_nulls drops only those two when null (no other field
-- can be) and keeps the fields' order.
CREATE OR REPLACE FUNCTION booking_status_payload(b bookings, reason text) RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT json_strip_nulls(json_build_object(
    'id', b.id, 'property_id', b.property_id, 'traveler_id', b.traveler_id, 'status', b.status,
    'updated_at', iso_utc(b.updated_at), 'timestamp', iso_utc(clock_timestamp()), 'reason', reason,
    'previous_status', b.previous_status
  ))::text $$;

-- A line of a booking's history (booking_history, migration 030), at the booking's updated_at.
CREATE OR REPLACE FUNCTION record_booking_history(b bookings, p_by text) RETURNS void
  LANGUAGE sql
  AS $$ INSERT INTO booking_history (booking_id, status, reason, by, at) VALUES (b.id, b.status, b.reason, p_by, b.updated_at) $$;

-- request: a new booking, pending. outcome: 'created', 'no_property', 'too_many_guests' (max_guests says the
-- limit) or 'dates_taken' (the stay overlaps an accepted booking).
CREATE OR REPLACE FUNCTION request_booking(p_property bigint, p_traveler bigint, p_start date, p_end date, p_guests int,
                                           p_created_topic text)
  RETURNS TABLE (outcome text, max_guests int, booking bookings)
  LANGUAGE plpgsql
  AS $$
DECLARE
  prop record;
  b bookings;
BEGIN
  SELECT p.max_guests, p.price_per_night, p.owner_id INTO prop FROM properties p WHERE p.id = p_property FOR SHARE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_property', NULL::int, NULL::bookings; RETURN;
  END IF;
  -- An account that hosts and travels ('both') still cannot be its own guest.
  IF prop.owner_id = p_traveler THEN
    RETURN QUERY SELECT 'own_property', NULL::int, NULL::bookings; RETURN;
  END IF;
  IF p_guests > prop.max_guests THEN
    RETURN QUERY SELECT 'too_many_guests', prop.max_guests, NULL::bookings; RETURN;
  END IF;
  PERFORM 1 FROM bookings o WHERE o.property_id = p_property AND o.status = 'accepted'
     AND stays_overlap(o.start_date, o.end_date, p_start, p_end);
  IF FOUND THEN
    RETURN QUERY SELECT 'dates_taken', NULL::int, NULL::bookings; RETURN;
  END IF;
  INSERT INTO bookings (property_id, traveler_id, start_date, end_date, num_guests, total_price)
  VALUES (p_property, p_traveler, p_start, p_end, p_guests, prop.price_per_night * (p_end - p_start))
  RETURNING * INTO b;
  INSERT INTO booking_history (booking_id, status, by, at) VALUES (b.id, 'pending', 'traveler', b.created_at);
  INSERT INTO outbox (event_id, topic, key, payload)
  VALUES (gen_random_uuid(), p_created_topic, b.id::text, booking_created_payload(b));
  RETURN QUERY SELECT 'created', NULL::int, b;
END
$$;

-- accept: by the property's owner. outcome: 'accepted', 'not_found', 'forbidden' (not the caller's property),
-- 'invalid_transition' (current_status says from what) or 'dates_taken'. The pending requests this acceptance
-- makes impossible are cancelled with it (reason dates_taken), each with its own event, after the acceptance's.
CREATE OR REPLACE FUNCTION accept_booking(p_booking bigint, p_owner bigint, p_status_topic text)
  RETURNS TABLE (outcome text, current_status text, booking bookings)
  LANGUAGE plpgsql
  AS $$
DECLARE
  v_property bigint;
  v_owner bigint;
  b bookings;
BEGIN
  SELECT o.property_id INTO v_property FROM bookings o WHERE o.id = p_booking;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found', NULL::text, NULL::bookings; RETURN;
  END IF;
  SELECT p.owner_id INTO v_owner FROM properties p WHERE p.id = v_property FOR NO KEY UPDATE;
  IF v_owner <> p_owner THEN
    RETURN QUERY SELECT 'forbidden', NULL::text, NULL::bookings; RETURN;
  END IF;
  SELECT * INTO b FROM bookings o WHERE o.id = p_booking FOR UPDATE;
  IF NOT booking_may_become(b.status, 'accepted') THEN
    RETURN QUERY SELECT 'invalid_transition', b.status, NULL::bookings; RETURN;
  END IF;
  PERFORM 1 FROM bookings o WHERE o.property_id = v_property AND o.status = 'accepted' AND o.id <> p_booking
     AND stays_overlap(o.start_date, o.end_date, b.start_date, b.end_date);
  IF FOUND THEN
    RETURN QUERY SELECT 'dates_taken', NULL::text, NULL::bookings; RETURN;
  END IF;

  UPDATE bookings o SET status = 'accepted', updated_at = now() WHERE o.id = p_booking RETURNING o.* INTO b;
  PERFORM record_booking_history(b, 'owner');
  INSERT INTO outbox (event_id, topic, key, payload)
  VALUES (gen_random_uuid(), p_status_topic, b.id::text, booking_status_payload(b, NULL));
  WITH cancelled AS (
    UPDATE bookings o SET status = 'cancelled', reason = 'dates_taken', previous_status = 'pending', updated_at = now()
     WHERE o.property_id = v_property AND o.status = 'pending' AND o.id <> p_booking
       AND stays_overlap(o.start_date, o.end_date, b.start_date, b.end_date)
    RETURNING o.*
  ), history AS (
    INSERT INTO booking_history (booking_id, status, reason, by, at, accepted_booking_id)
    SELECT c.id, c.status, c.reason, 'hostly', c.updated_at, b.id FROM cancelled c
  )
  INSERT INTO outbox (event_id, topic, key, payload)
  SELECT gen_random_uuid(), p_status_topic, c.id::text, booking_status_payload(ROW(c.*)::bookings, 'dates_taken')
    FROM cancelled c ORDER BY c.id;
  RETURN QUERY SELECT 'accepted', NULL::text, b;
END
$$;

-- cancel: by the booking's traveler (reason traveler_cancelled) or its property's owner (owner_declined).
-- outcome: 'cancelled', 'not_found', 'forbidden' (neither party) or 'invalid_transition' (current_status says
-- from what). Locks only the booking: an accept holding the property and waiting for this booking finds it
-- cancelled and refuses.
CREATE OR REPLACE FUNCTION cancel_booking(p_booking bigint, p_user bigint, p_status_topic text)
  RETURNS TABLE (outcome text, current_status text, booking bookings)
  LANGUAGE plpgsql
  AS $$
DECLARE
  v_owner bigint;
  b bookings;
  v_reason text;
BEGIN
  SELECT * INTO b FROM bookings o WHERE o.id = p_booking FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found', NULL::text, NULL::bookings; RETURN;
  END IF;
  SELECT p.owner_id INTO v_owner FROM properties p WHERE p.id = b.property_id;
  v_reason := CASE p_user WHEN b.traveler_id THEN 'traveler_cancelled' WHEN v_owner THEN 'owner_declined' END;
  IF v_reason IS NULL THEN
    RETURN QUERY SELECT 'forbidden', NULL::text, NULL::bookings; RETURN;
  END IF;
  IF NOT booking_may_become(b.status, 'cancelled') THEN
    RETURN QUERY SELECT 'invalid_transition', b.status, NULL::bookings; RETURN;
  END IF;
  UPDATE bookings o SET status = 'cancelled', reason = v_reason, previous_status = o.status, updated_at = now()
   WHERE o.id = p_booking RETURNING o.* INTO b;
  PERFORM record_booking_history(b, CASE v_reason WHEN 'traveler_cancelled' THEN 'traveler' ELSE 'owner' END);
  INSERT INTO outbox (event_id, topic, key, payload)
  VALUES (gen_random_uuid(), p_status_topic, b.id::text, booking_status_payload(b, v_reason));
  RETURN QUERY SELECT 'cancelled', NULL::text, b;
END
$$;

-- expire: cancels up to p_limit pending requests older than p_older_than (reason expired), each with its event;
-- returns how many. SKIP LOCKED lets several sweepers (several processes) share the work without waiting on each
-- other or on an owner accepting one of them right now; the status check in UPDATE makes each cancellation happen
-- once. ORDER BY created_at walks bookings_pending_created_at_idx (pending only), so an idle sweep reads nothing
-- however many bookings exist (ORDER BY id scanned them all).
CREATE OR REPLACE FUNCTION expire_bookings(p_older_than interval, p_limit int, p_status_topic text)
  RETURNS int
  LANGUAGE sql
  AS $$
  WITH expired AS (
    UPDATE bookings o SET status = 'cancelled', reason = 'expired', previous_status = 'pending', updated_at = now()
     WHERE o.id IN (SELECT s.id FROM bookings s
                     WHERE s.status = 'pending' AND s.created_at < now() - p_older_than
                     ORDER BY s.created_at LIMIT p_limit FOR UPDATE SKIP LOCKED)
       AND o.status = 'pending'
    RETURNING o.*
  ), history AS (
    INSERT INTO booking_history (booking_id, status, reason, by, at)
    SELECT e.id, e.status, e.reason, 'hostly', e.updated_at FROM expired e
  ), events AS (
    INSERT INTO outbox (event_id, topic, key, payload)
    SELECT gen_random_uuid(), p_status_topic, e.id::text, booking_status_payload(ROW(e.*)::bookings, 'expired')
      FROM expired e ORDER BY e.id
    RETURNING 1
  )
  SELECT count(*)::int FROM events
$$;
