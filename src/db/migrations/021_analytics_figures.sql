-- Owner analytics a reader believes (issue 17). Revenue is counted on the nights stayed, as nights_booked and
-- occupancy are, instead of on the day of acceptance (which showed revenue for a month with no night booked).
-- Cancellations are told apart: declined and withdrawn requests, cancelled accepted stays (by the traveler or the
-- owner), dates taken, expired. A booking's share of analytics_daily stays a function of its analytics_bookings
-- row alone (analytics_share below, which the analytics service calls), so a replay rebuilds the same figures.

-- What the cancel event said the booking was before ('pending' or 'accepted'): booking-status-updated carries it
-- since issue 17. Null for older events: then a booking with an acceptance seen before was accepted.
ALTER TABLE analytics_bookings ADD COLUMN previous_status text;

ALTER TABLE analytics_daily
  ADD COLUMN declined              integer NOT NULL DEFAULT 0,
  ADD COLUMN withdrawn             integer NOT NULL DEFAULT 0,
  ADD COLUMN cancelled_by_traveler integer NOT NULL DEFAULT 0,
  ADD COLUMN cancelled_by_owner    integer NOT NULL DEFAULT 0,
  ADD COLUMN dates_taken           integer NOT NULL DEFAULT 0;

-- A booking's figures per UTC day: the request on its day; the acceptance on its day; the cancel on its day, as
-- one of the kinds below (expired apart; `cancelled` counts every other cancel, the kinds split it); and each
-- night of a stay accepted and not cancelled since, with its share of the total price (total ÷ nights).
CREATE FUNCTION analytics_share(start_date date, end_date date, total_price numeric, requested_at timestamptz,
    accepted_at timestamptz, cancelled_at timestamptz, reason text, previous_status text)
  RETURNS TABLE (day date, requests int, accepted int, cancelled int, expired int, declined int, withdrawn int,
    cancelled_by_traveler int, cancelled_by_owner int, dates_taken int, nights int, revenue numeric)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
  SELECT (requested_at AT TIME ZONE 'UTC')::date, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0::numeric WHERE requested_at IS NOT NULL
  UNION ALL
  SELECT (accepted_at AT TIME ZONE 'UTC')::date, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 WHERE accepted_at IS NOT NULL
  UNION ALL
  SELECT (cancelled_at AT TIME ZONE 'UTC')::date, 0, 0, (reason IS DISTINCT FROM 'expired')::int, (reason IS NOT DISTINCT FROM 'expired')::int,
         (k IS NOT DISTINCT FROM 'declined')::int, (k IS NOT DISTINCT FROM 'withdrawn')::int,
         (k IS NOT DISTINCT FROM 'cancelled_by_traveler')::int, (k IS NOT DISTINCT FROM 'cancelled_by_owner')::int,
         (reason IS NOT DISTINCT FROM 'dates_taken')::int, 0, 0
    FROM (SELECT CASE
                   WHEN reason IS NULL OR reason NOT IN ('owner_declined', 'traveler_cancelled') THEN NULL
                   WHEN coalesce(previous_status, CASE WHEN accepted_at IS NOT NULL THEN 'accepted' ELSE 'pending' END) = 'accepted'
                     THEN CASE reason WHEN 'owner_declined' THEN 'cancelled_by_owner' ELSE 'cancelled_by_traveler' END
                   ELSE CASE reason WHEN 'owner_declined' THEN 'declined' ELSE 'withdrawn' END
                 END AS k) kind
   WHERE cancelled_at IS NOT NULL
  UNION ALL
  SELECT n::date, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, coalesce(total_price / (end_date - start_date), 0)
    FROM generate_series(start_date, end_date - 1, interval '1 day') n
   WHERE accepted_at IS NOT NULL AND cancelled_at IS NULL AND start_date IS NOT NULL
$$;

-- The figures so far, rebuilt from what the events said, with the definitions above.
TRUNCATE analytics_daily;
INSERT INTO analytics_daily (property_id, day, requests, accepted, cancelled, expired, declined, withdrawn,
  cancelled_by_traveler, cancelled_by_owner, dates_taken, nights_booked, revenue)
SELECT b.property_id, s.day, sum(s.requests), sum(s.accepted), sum(s.cancelled), sum(s.expired), sum(s.declined),
       sum(s.withdrawn), sum(s.cancelled_by_traveler), sum(s.cancelled_by_owner), sum(s.dates_taken), sum(s.nights), sum(s.revenue)
  FROM analytics_bookings b,
       LATERAL analytics_share(b.start_date, b.end_date, b.total_price, b.requested_at, b.accepted_at, b.cancelled_at, b.reason, b.previous_status) s
 GROUP BY b.property_id, s.day;
