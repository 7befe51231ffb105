-- The booking state machine: every rule of a booking, in one file.
--
--   request  request_booking()   (nothing) -> pending        booking-created
--   accept   accept_booking()    pending   -> accepted       booking-status-updated
--                                and each overlapping pending request -> cancelled, reason dates_taken
--   cancel   cancel_booking()    pending | accepted (not yet begun) -> cancelled, reason traveler_cancelled or owner_declined
--   expire   expire_bookings()   pending (older than the TTL) -> cancelled, reason expired
--   block    block_dates()       (a property's nights taken off sale by its owner)
--                                and each overlapping pending request -> cancelled, reason owner_declined
--
-- A cancelled booking keeps why (reason) and from what (previous_status: pending or accepted): the pair tells a
-- declined request from a cancelled stay. Every change also writes a row of booking_history (status, reason, by:
-- traveler, owner or hostly), in the same transaction, so the booking page shows the whole story.
--
-- request_booking() also holds the two rules that were triggers before migration 080: a traveler's cap on pending
-- requests (the limit an argument, MAX_PENDING_PER_TRAVELER) and the booking's owner_id (copied from its property).
--
-- Each function locks, checks, changes the booking and writes its events to the outbox in one round trip, in the
-- caller's transaction: the events exist if and only if the change commits. The topic names are parameters, passed
-- from src/bookings/events.ts, the one place they are written; this file names no topic.
--
-- Locks, in one order everywhere so that no two transactions wait on each other in a cycle: a request takes the
-- property FOR SHARE (requests run side by side), then its traveler's advisory lock (the pending cap's, which an
-- account deletion takes too: close_account()); an accept takes the property FOR NO KEY UPDATE, then the booking,
-- so it waits for the requests in flight, sees them and cancels the overlapping ones, and later requests see it;
-- cancel and expire lock only the booking; a block takes the property FOR NO KEY UPDATE, as an accept does, so the
-- two never check each other's dates at the same time. The exclusion constraints bookings_no_overlap
-- (001_init.sql) and taken_nights_no_overlap (047_blocked_dates.sql: accepted stays and blocks) stay the last
-- word on double booking. Functions that use plpgsql run each statement with a fresh snapshot, so a request
-- that waited for an accept on its property sees that accept (one SQL statement would keep its older snapshot).
--
-- This file is code, not history: `hostly migrate` re-applies it after the numbered migrations, every time, and
-- records its hash; processes that do not migrate refuse to start when the database's copy differs. So every
-- statement here is CREATE OR REPLACE and must be safe to run again. CREATE OR REPLACE cannot change a function's
-- arguments or result columns: to change them, drop the old signature in a numbered migration (as 008 does).

-- ISO 8601 in UTC with milliseconds, as JavaScript's Date.prototype.toISOString writes it. STABLE, as to_char() is:
-- a sql function declared less volatile than its body is not inlined, and runs as a query of its own at every call.
CREATE OR REPLACE FUNCTION iso_utc(t timestamptz) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
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

-- Whether a stay has begun: its first night is before today (the database's current_date). The one definition of
-- it: an accepted stay that has begun can no longer be cancelled, a request whose first night has passed no longer
-- accepted, and deleting an account leaves such stays alone (account_closure_bookings()). Inlined (sql, one
-- expression, not STRICT).
CREATE OR REPLACE FUNCTION stay_begun(p_start date) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT p_start < current_date $$;

-- The booking-created payload of docs/events.md, field for field. VOLATILE, as clock_timestamp() is: so declared,
-- the planner inlines it into the statement that writes the event (declared STABLE, it ran as a query of its own).
CREATE OR REPLACE FUNCTION booking_created_payload(b bookings) RETURNS text
  LANGUAGE sql VOLATILE
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
  LANGUAGE sql VOLATILE
  AS $$ SELECT json_strip_nulls(json_build_object(
    'id', b.id, 'property_id', b.property_id, 'traveler_id', b.traveler_id, 'status', b.status,
    'updated_at', iso_utc(b.updated_at), 'timestamp', iso_utc(clock_timestamp()), 'reason', reason,
    'previous_status', b.previous_status
  ))::text $$;

-- A line of a booking's history (booking_history, migration 030), at the booking's updated_at. plpgsql, as the event
-- writers below: a sql function's INSERT was planned again at every accept and cancel.
CREATE OR REPLACE FUNCTION record_booking_history(b bookings, p_by text) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO booking_history (booking_id, status, reason, by, at) VALUES (b.id, b.status, b.reason, p_by, b.updated_at);
END
$$;

-- The outbox row of a change of status: booking-status-updated (its reason the booking's own column: null when
-- accepted). cancel_pending() below writes many at once; booking-created has one writer, request_booking().
-- plpgsql, not sql, here and in cancel_pending(): PostgreSQL plans a sql function's statements at every call, and
-- a plpgsql one's once per connection; these run on every accept and cancel.
CREATE OR REPLACE FUNCTION write_status_event(b bookings, p_topic text) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO outbox (event_id, topic, key, payload) VALUES (gen_random_uuid(), p_topic, b.id::text, booking_status_payload(b, b.reason));
END
$$;

-- Cancels those of p_ids that are still pending, for p_reason (dates_taken, owner_declined or expired), by p_by
-- (booking_history's by), each with its line of history and its event, in id order; returns their ids. p_accepted:
-- the accepted booking that took their dates, for dates_taken. The status check makes each cancellation happen once
-- (a request cancelled meanwhile is left alone). The one way a transition cancels requests other than its own
-- booking: accept_booking(), expire_bookings() and block_dates() call it.
CREATE OR REPLACE FUNCTION cancel_pending(p_ids bigint[], p_reason text, p_by text, p_status_topic text,
                                          p_accepted bigint DEFAULT NULL)
  RETURNS SETOF bigint
  LANGUAGE plpgsql
  AS $$
BEGIN
  RETURN QUERY
  WITH cancelled AS (
    UPDATE bookings o SET status = 'cancelled', reason = p_reason, previous_status = 'pending', updated_at = now()
     WHERE o.id = ANY (p_ids) AND o.status = 'pending'
    RETURNING o.*
  ), history AS (
    INSERT INTO booking_history (booking_id, status, reason, by, at, accepted_booking_id)
    SELECT c.id, c.status, c.reason, p_by, c.updated_at, p_accepted FROM cancelled c
  ), events AS (
    INSERT INTO outbox (event_id, topic, key, payload)
    SELECT gen_random_uuid(), p_status_topic, c.id::text, booking_status_payload(ROW(c.*)::bookings, c.reason)
      FROM cancelled c ORDER BY c.id
  )
  SELECT c.id FROM cancelled c ORDER BY c.id;
END
$$;

-- The price of a stay, the one computation of it (the quote and request_booking() both call it): the nights at
-- the nightly price, the cleaning fee once, and taxes at the rate (a percentage) on both, rounded half-up to the
-- currency's minor unit (numeric's round(): half away from zero, and amounts are positive), so that the total is
-- an amount a card can be charged. All numeric: no floating point anywhere.
CREATE OR REPLACE FUNCTION currency_minor_digits(p_currency text) RETURNS int
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  -- ISO 4217's currencies without a minor unit; every other one is kept to hundredths (the columns' scale: the
  -- few with thousandths, such as BHD and KWD, are priced in hundredths here).
  AS $$ SELECT CASE WHEN p_currency IN ('BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX',
                                        'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF') THEN 0 ELSE 2 END $$;

CREATE OR REPLACE FUNCTION stay_price(p_nightly numeric, p_cleaning numeric, p_rate numeric, p_nights int, p_currency text)
  RETURNS TABLE (nights_total numeric, taxes numeric, total numeric)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
  SELECT n.amount, t.taxes, n.amount + p_cleaning + t.taxes
    FROM (SELECT p_nightly * p_nights AS amount) n,
         LATERAL (SELECT round((n.amount + p_cleaning) * p_rate / 100, currency_minor_digits(p_currency)) AS taxes) t
$$;

-- A booking's price, item by item, amounts as decimal strings (exact: JSON numbers would pass through floating
-- point in most readers). A booking made before the items were kept was the nights alone.
CREATE OR REPLACE FUNCTION booking_price(b bookings) RETURNS json
  LANGUAGE sql STABLE
  AS $$ SELECT json_build_object(
    'nights', b.end_date - b.start_date,
    'nightly_price', coalesce(b.nightly_price, round(b.total_price / (b.end_date - b.start_date), 2))::text,
    'nights_total', (b.total_price - coalesce(b.cleaning_fee, 0) - coalesce(b.taxes, 0))::text,
    'cleaning_fee', coalesce(b.cleaning_fee, 0.00)::numeric(10, 2)::text,
    'tax_rate', coalesce(b.tax_rate, 0.00)::numeric(5, 2)::text,
    'taxes', coalesce(b.taxes, 0.00)::numeric(12, 2)::text,
    'total', b.total_price::text
  ) $$;

-- What holds a night of the stay, if anything: 'dates_taken' (an accepted stay; first, if both do) or
-- 'dates_blocked' (a block of the owner's); null when every night is free. One look-up of taken_nights (migration
-- 047), which triggers keep in the same transaction as the acceptance, cancellation or block that changes it, so it
-- says what bookings and property_blocks say (taken_nights_property_end_idx). The one place this is decided: a
-- request, an accept and a block all call it. plpgsql, so its query is planned once per connection.
CREATE OR REPLACE FUNCTION nights_held(p_property bigint, p_start date, p_end date) RETURNS text
  LANGUAGE plpgsql STABLE
  AS $$
BEGIN
  RETURN (SELECT CASE WHEN t.booking_id IS NOT NULL THEN 'dates_taken' ELSE 'dates_blocked' END
            FROM taken_nights t WHERE t.property_id = p_property AND stays_overlap(t.start_date, t.end_date, p_start, p_end)
           ORDER BY t.booking_id IS NULL LIMIT 1);
END
$$;

-- request: a new booking, pending. outcome: 'created', 'account_deleted' (the traveler's account was deleted while
-- this request was on its way), 'no_property', 'own_property', 'unlisted' (its owner
-- unlisted it), 'too_many_guests' (bound: max_guests), 'too_few_nights' (bound: min_nights), 'dates_taken' (the stay
-- overlaps an accepted booking), 'dates_blocked' (it overlaps a block) or 'too_many_pending' (bound: p_max_pending,
-- the traveler's pending requests already; null: no cap). The booking keeps the price of this moment, item by item
-- (stay_price()): a later change of the property's prices does not touch it; and its property's owner (owner_id,
-- for the owner's lists: a property never changes owner, so the copy cannot go stale).
CREATE OR REPLACE FUNCTION request_booking(p_property bigint, p_traveler bigint, p_start date, p_end date, p_guests int,
                                           p_created_topic text, p_max_pending int DEFAULT NULL)
  RETURNS TABLE (outcome text, bound int, booking bookings)
  LANGUAGE plpgsql
  AS $$
DECLARE
  prop record;
  v_held text;
  v_present boolean;
  v_full boolean;
  b bookings;
BEGIN
  SELECT p.max_guests, p.min_nights, p.listed, p.price_per_night, p.cleaning_fee, p.tax_rate, p.currency, p.owner_id INTO prop
    FROM properties p WHERE p.id = p_property FOR SHARE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_property', NULL::int, NULL::bookings; RETURN;
  END IF;
  -- An account that hosts and travels ('both') still cannot be its own guest.
  IF prop.owner_id = p_traveler THEN
    RETURN QUERY SELECT 'own_property', NULL::int, NULL::bookings; RETURN;
  END IF;
  IF NOT prop.listed THEN
    RETURN QUERY SELECT 'unlisted', NULL::int, NULL::bookings; RETURN;
  END IF;
  IF p_guests > prop.max_guests THEN
    RETURN QUERY SELECT 'too_many_guests', prop.max_guests, NULL::bookings; RETURN;
  END IF;
  IF p_end - p_start < prop.min_nights THEN
    RETURN QUERY SELECT 'too_few_nights', prop.min_nights, NULL::bookings; RETURN;
  END IF;
  v_held := nights_held(p_property, p_start, p_end);
  IF v_held IS NOT NULL THEN
    RETURN QUERY SELECT v_held, NULL::int, NULL::bookings; RETURN;
  END IF;
  -- The traveler's lock, held to the commit. Two requests of one traveler at once count each other against the cap;
  -- and an account deletion takes it too (close_account()), so a request whose session was checked before the
  -- deletion committed waits for it and then, reading the row again (a fresh snapshot), writes nothing. An advisory
  -- lock and a plain read, not a lock on the users row: that would write the row (and WAL) for every booking.
  PERFORM pg_advisory_xact_lock(7243012, (p_traveler % 2147483647)::int);
  -- The account, and the pending requests (bookings_pending_traveler_idx, migration 007: at most the cap of them),
  -- in one statement after the lock.
  SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = p_traveler AND u.deleted_at IS NULL),
         p_max_pending IS NOT NULL AND EXISTS (SELECT 1 FROM bookings o WHERE o.traveler_id = p_traveler AND o.status = 'pending'
                                                OFFSET p_max_pending - 1 LIMIT 1)
    INTO v_present, v_full;
  IF NOT v_present THEN
    RETURN QUERY SELECT 'account_deleted', NULL::int, NULL::bookings; RETURN;
  END IF;
  IF v_full THEN
    RETURN QUERY SELECT 'too_many_pending', p_max_pending, NULL::bookings; RETURN;
  END IF;
  -- The booking, its first line of history and its booking-created event: one statement (the statements of a
  -- plpgsql function cost a round of the executor each).
  WITH made AS (
    INSERT INTO bookings (property_id, owner_id, traveler_id, start_date, end_date, num_guests, total_price, nightly_price, cleaning_fee, tax_rate, taxes)
    SELECT p_property, prop.owner_id, p_traveler, p_start, p_end, p_guests, price.total, prop.price_per_night, prop.cleaning_fee, prop.tax_rate, price.taxes
      FROM stay_price(prop.price_per_night, prop.cleaning_fee, prop.tax_rate, p_end - p_start, prop.currency) price
    RETURNING *
  ), history AS (
    INSERT INTO booking_history (booking_id, status, by, at) SELECT m.id, 'pending', 'traveler', m.created_at FROM made m
  ), event AS (
    INSERT INTO outbox (event_id, topic, key, payload)
    SELECT gen_random_uuid(), p_created_topic, m.id::text, booking_created_payload(ROW(m.*)::bookings) FROM made m
  )
  SELECT * INTO b FROM made;
  RETURN QUERY SELECT 'created', NULL::int, b;
END
$$;

-- accept: by the property's owner. outcome: 'accepted', 'not_found', 'forbidden' (not the caller's property),
-- 'invalid_transition' (current_status says from what), 'stay_begun' (the request's first night has passed: too
-- late to say yes; it can still be declined, or the sweeper expires it), 'dates_taken' or 'dates_blocked' (the
-- owner blocked some of its nights since it was requested). The pending requests this acceptance makes impossible are cancelled with
-- it (reason dates_taken), each with its own event, after the acceptance's.
CREATE OR REPLACE FUNCTION accept_booking(p_booking bigint, p_owner bigint, p_status_topic text)
  RETURNS TABLE (outcome text, current_status text, booking bookings)
  LANGUAGE plpgsql
  AS $$
DECLARE
  v_property bigint;
  v_owner bigint;
  v_held text;
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
  IF stay_begun(b.start_date) THEN
    RETURN QUERY SELECT 'stay_begun', NULL::text, NULL::bookings; RETURN;
  END IF;
  -- b is pending, so it holds no night itself.
  v_held := nights_held(v_property, b.start_date, b.end_date);
  IF v_held IS NOT NULL THEN
    RETURN QUERY SELECT v_held, NULL::text, NULL::bookings; RETURN;
  END IF;

  UPDATE bookings o SET status = 'accepted', updated_at = now() WHERE o.id = p_booking RETURNING o.* INTO b;
  PERFORM record_booking_history(b, 'owner');
  PERFORM write_status_event(b, p_status_topic);
  PERFORM cancel_pending(ARRAY(SELECT o.id FROM bookings o WHERE o.property_id = v_property AND o.status = 'pending'
                                  AND o.id <> p_booking AND stays_overlap(o.start_date, o.end_date, b.start_date, b.end_date)),
                         'dates_taken', 'hostly', p_status_topic, b.id);
  RETURN QUERY SELECT 'accepted', NULL::text, b;
END
$$;

-- cancel: by the booking's traveler (reason traveler_cancelled) or its property's owner (owner_declined).
-- outcome: 'cancelled', 'not_found', 'forbidden' (neither party), 'invalid_transition' (current_status says
-- from what) or 'stay_begun' (an accepted stay whose first night has passed: it is under way or over, and the
-- other party's record; the rule account_closure_bookings() follows). A pending request can be withdrawn or
-- declined whatever its dates: it holds no night, and the sweeper would expire it anyway. Locks only the booking: an accept holding the property and waiting for this booking finds it
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
  IF b.status = 'accepted' AND stay_begun(b.start_date) THEN
    RETURN QUERY SELECT 'stay_begun', NULL::text, NULL::bookings; RETURN;
  END IF;
  UPDATE bookings o SET status = 'cancelled', reason = v_reason, previous_status = o.status, updated_at = now()
   WHERE o.id = p_booking RETURNING o.* INTO b;
  PERFORM record_booking_history(b, CASE v_reason WHEN 'traveler_cancelled' THEN 'traveler' ELSE 'owner' END);
  PERFORM write_status_event(b, p_status_topic);
  RETURN QUERY SELECT 'cancelled', NULL::text, b;
END
$$;

-- expire: cancels up to p_limit pending requests older than p_older_than (reason expired), each with its event;
-- returns how many. SKIP LOCKED lets several sweepers (several processes) share the work without waiting on each
-- other or on an owner accepting one of them right now; cancel_pending()'s status check makes each cancellation
-- happen once. FOR NO KEY UPDATE, the lock the UPDATE takes anyway, and not FOR UPDATE: a consumer inserting a
-- notification of the booking holds a key-share lock on it (the foreign key), which FOR UPDATE would skip and
-- this does not. ORDER BY created_at walks bookings_pending_created_at_idx (pending only), so an idle sweep reads
-- nothing however many bookings exist (ORDER BY id scanned them all).
CREATE OR REPLACE FUNCTION expire_bookings(p_older_than interval, p_limit int, p_status_topic text)
  RETURNS int
  LANGUAGE sql
  AS $$
  SELECT count(*)::int FROM cancel_pending(ARRAY(
    SELECT s.id FROM bookings s
     WHERE s.status = 'pending' AND s.created_at < now() - p_older_than
     ORDER BY s.created_at LIMIT p_limit FOR NO KEY UPDATE SKIP LOCKED), 'expired', 'hostly', p_status_topic)
$$;

-- block: the owner takes [p_start, p_end) off sale. outcome: 'blocked', 'not_found', 'forbidden' (not the caller's
-- property), 'dates_taken' (an accepted stay holds some of those nights: the owner cancels it first, telling the
-- guest, or blocks around it) or 'dates_blocked' (another block does). The pending requests over those nights can
-- no longer be accepted, so they are declined with it (reason owner_declined, by the owner: the owner chose those
-- nights over them), each with its event, as an accept cancels the requests it makes impossible; cancelled lists
-- their ids.
CREATE OR REPLACE FUNCTION block_dates(p_property bigint, p_owner bigint, p_start date, p_end date, p_note text,
                                       p_status_topic text)
  RETURNS TABLE (outcome text, block property_blocks, cancelled bigint[])
  LANGUAGE plpgsql
  AS $$
DECLARE
  v_owner bigint;
  v_held text;
  k property_blocks;
  v_cancelled bigint[];
BEGIN
  SELECT p.owner_id INTO v_owner FROM properties p WHERE p.id = p_property FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found', NULL::property_blocks, NULL::bigint[]; RETURN;
  END IF;
  IF v_owner <> p_owner THEN
    RETURN QUERY SELECT 'forbidden', NULL::property_blocks, NULL::bigint[]; RETURN;
  END IF;
  v_held := nights_held(p_property, p_start, p_end);
  IF v_held IS NOT NULL THEN
    RETURN QUERY SELECT v_held, NULL::property_blocks, NULL::bigint[]; RETURN;
  END IF;

  INSERT INTO property_blocks (property_id, start_date, end_date, note) VALUES (p_property, p_start, p_end, p_note)
  RETURNING * INTO k;
  v_cancelled := ARRAY(SELECT cancel_pending(ARRAY(
    SELECT o.id FROM bookings o WHERE o.property_id = p_property AND o.status = 'pending'
       AND stays_overlap(o.start_date, o.end_date, p_start, p_end)), 'owner_declined', 'owner', p_status_topic));
  RETURN QUERY SELECT 'blocked', k, v_cancelled;
END
$$;

-- What deleting an account does to bookings, the one definition of it (close_account() below does it; the settings
-- page asks GET /api/me/deletion, which reads this, before). side: 'guest' (the account's own request or stay) or
-- 'host' (a request or stay at one of its places). Every pending request goes, whatever its dates; an accepted stay
-- goes when it has not begun (stay_begun(): its first night is today or later), as cancel_booking() allows. A
-- stay under way or past is kept as it is: it happened, and it is the other party's record.
CREATE OR REPLACE FUNCTION account_closure_bookings(p_user bigint)
  RETURNS TABLE (id bigint, side text, status text)
  LANGUAGE sql STABLE
  AS $$
  SELECT b.id, CASE WHEN b.traveler_id = p_user THEN 'guest' ELSE 'host' END, b.status
    FROM bookings b
   WHERE (b.traveler_id = p_user OR b.property_id IN (SELECT p.id FROM properties p WHERE p.owner_id = p_user))
     AND (b.status = 'pending' OR (b.status = 'accepted' AND NOT stay_begun(b.start_date)))
$$;

-- close: the bookings' part of deleting an account, in the caller's transaction (which has locked the user's row).
-- The account's places are unlisted first, under the lock an accept or a block takes (FOR NO KEY UPDATE), so no
-- request or acceptance on them slips in after; then each booking of account_closure_bookings() is cancelled by
-- cancel_booking(), as the account itself would cancel it: its own requests withdrawn and stays cancelled
-- (traveler_cancelled), requests at its places declined and stays there cancelled (owner_declined), each with its
-- event and its line of history, that line marked cause account_deleted so the other party is told why. A booking
-- another transaction changed meanwhile (accepted, expired) is cancelled from its new status or, when already
-- cancelled, left. Returns how many of each kind.
CREATE OR REPLACE FUNCTION close_account(p_user bigint, p_status_topic text)
  RETURNS TABLE (requests_withdrawn int, stays_cancelled int, requests_declined int, hosted_stays_cancelled int, properties_unlisted int)
  LANGUAGE plpgsql
  AS $$
DECLARE
  c record;
  r record;
  n_withdrawn int := 0;
  n_stays int := 0;
  n_declined int := 0;
  n_hosted int := 0;
  n_unlisted int;
BEGIN
  -- The account's lock as a traveler (request_booking() takes it): a request of its own on the way waits, and
  -- then finds the account deleted; one that holds it already is waited for here, and closed below.
  PERFORM pg_advisory_xact_lock(7243012, (p_user % 2147483647)::int);
  PERFORM 1 FROM properties p WHERE p.owner_id = p_user ORDER BY p.id FOR NO KEY UPDATE;
  UPDATE properties p SET listed = false, updated_at = now() WHERE p.owner_id = p_user AND p.listed;
  GET DIAGNOSTICS n_unlisted = ROW_COUNT;
  FOR c IN SELECT * FROM account_closure_bookings(p_user) ORDER BY 1 LOOP
    SELECT * INTO r FROM cancel_booking(c.id, p_user, p_status_topic);
    CONTINUE WHEN r.outcome <> 'cancelled';
    UPDATE booking_history h SET cause = 'account_deleted'
     WHERE h.id = (SELECT max(x.id) FROM booking_history x WHERE x.booking_id = c.id);
    IF (r.booking).previous_status = 'pending' THEN
      IF c.side = 'guest' THEN n_withdrawn := n_withdrawn + 1; ELSE n_declined := n_declined + 1; END IF;
    ELSE
      IF c.side = 'guest' THEN n_stays := n_stays + 1; ELSE n_hosted := n_hosted + 1; END IF;
    END IF;
  END LOOP;
  RETURN QUERY SELECT n_withdrawn, n_stays, n_declined, n_hosted, n_unlisted;
END
$$;
