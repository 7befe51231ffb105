-- Event payloads and the booking request, in the database: a request is one round trip instead of seven.

-- ISO 8601 in UTC with milliseconds, as JavaScript's Date.prototype.toISOString writes it.
CREATE FUNCTION iso_utc(t timestamptz) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- The booking-created payload of api.md, field for field.
CREATE FUNCTION booking_created_payload(b bookings) RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT json_build_object(
    'id', b.id, 'property_id', b.property_id, 'traveler_id', b.traveler_id,
    'start_date', b.start_date, 'end_date', b.end_date, 'num_guests', b.num_guests, 'status', b.status,
    'total_price', b.total_price, 'created_at', iso_utc(b.created_at), 'timestamp', iso_utc(clock_timestamp())
  )::text $$;

-- The booking-status-updated payload of api.md, field for field.
CREATE FUNCTION booking_status_payload(b bookings) RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT json_build_object(
    'id', b.id, 'property_id', b.property_id, 'traveler_id', b.traveler_id, 'status', b.status,
    'updated_at', iso_utc(b.updated_at), 'timestamp', iso_utc(clock_timestamp())
  )::text $$;

-- A booking request: the property's share lock, the overlap check, the booking and its booking-created event,
-- in one statement. Each statement inside sees what committed before it ran, so a request that waited for an
-- accept on the same property sees that accept (a single SQL statement would keep its older snapshot).
-- outcome: 'created', 'no_property', 'too_many_guests' (max_guests says the limit) or 'dates_taken'.
CREATE FUNCTION request_booking(p_property bigint, p_traveler bigint, p_start date, p_end date, p_guests int)
  RETURNS TABLE (outcome text, max_guests int, booking bookings)
  LANGUAGE plpgsql
  AS $$
DECLARE
  prop record;
  b bookings;
BEGIN
  SELECT p.max_guests, p.price_per_night INTO prop FROM properties p WHERE p.id = p_property FOR SHARE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_property', NULL::int, NULL::bookings; RETURN;
  END IF;
  IF p_guests > prop.max_guests THEN
    RETURN QUERY SELECT 'too_many_guests', prop.max_guests, NULL::bookings; RETURN;
  END IF;
  PERFORM 1 FROM bookings o WHERE o.property_id = p_property AND o.status = 'accepted'
     AND daterange(o.start_date, o.end_date) && daterange(p_start, p_end);
  IF FOUND THEN
    RETURN QUERY SELECT 'dates_taken', NULL::int, NULL::bookings; RETURN;
  END IF;
  INSERT INTO bookings (property_id, traveler_id, start_date, end_date, num_guests, total_price)
  VALUES (p_property, p_traveler, p_start, p_end, p_guests, prop.price_per_night * (p_end - p_start))
  RETURNING * INTO b;
  INSERT INTO outbox (event_id, topic, key, payload)
  VALUES (gen_random_uuid(), 'booking-created', b.id::text, booking_created_payload(b));
  RETURN QUERY SELECT 'created', NULL::int, b;
END
$$;
