-- What people meet at the two ends of the pipeline (issue 17): why a booking was cancelled and from what, the
-- currency of its amounts, every status it had, and the account's locale and time zone for dates in e-mails.

-- Why and from what a booking was cancelled, on the booking itself (the events carried the reason; nobody could
-- read it back). Null unless cancelled. The values and their meanings are those of booking-status-updated.
ALTER TABLE bookings
  ADD COLUMN reason text CHECK (reason IN ('owner_declined', 'traveler_cancelled', 'dates_taken', 'expired')),
  ADD COLUMN previous_status text CHECK (previous_status IN ('pending', 'accepted'));

-- The currency of a property's prices, and so of its bookings' totals (ISO 4217; the API checks it against
-- Intl.supportedValuesOf('currency')). Hostly's prices were euros.
ALTER TABLE properties ADD COLUMN currency text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$');

-- How a person reads dates: a BCP 47 locale and an IANA time zone, checked by the API.
ALTER TABLE users
  ADD COLUMN locale text NOT NULL DEFAULT 'en' CHECK (length(locale) BETWEEN 2 AND 35),
  ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64);

-- Every status a booking had, written by the stored functions of booking.sql in the transaction of the change.
-- by: who made it (traveler, owner, or hostly: an expiry, or a cancellation by another stay's acceptance); null
-- only for the changes made before this table existed whose author is no longer known.
CREATE TABLE booking_history (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  booking_id bigint NOT NULL REFERENCES bookings ON DELETE CASCADE,
  status     text NOT NULL CHECK (status IN ('pending', 'accepted', 'cancelled')),
  reason     text CHECK (reason IN ('owner_declined', 'traveler_cancelled', 'dates_taken', 'expired')),
  by         text CHECK (by IN ('traveler', 'owner', 'hostly')),
  at         timestamptz NOT NULL DEFAULT now(),
  -- dates_taken: the stay accepted over this one (the same traveler's own other request, or someone else's).
  accepted_booking_id bigint REFERENCES bookings ON DELETE SET NULL
);
CREATE INDEX booking_history_booking_idx ON booking_history (booking_id, id);

-- The past, as far as it is known: the reason of a cancellation from its event while the outbox still holds it.
UPDATE bookings b SET reason = o.reason
  FROM (SELECT DISTINCT ON (key) key::bigint AS id, payload::json ->> 'reason' AS reason
          FROM outbox WHERE topic = 'booking-status-updated' AND payload::json ->> 'status' = 'cancelled'
         ORDER BY key, id DESC) o
 WHERE b.id = o.id AND b.status = 'cancelled';

INSERT INTO booking_history (booking_id, status, reason, by, at)
SELECT id, 'pending', NULL, 'traveler', created_at FROM bookings
UNION ALL
SELECT id, status, reason,
       CASE WHEN status = 'accepted' OR reason = 'owner_declined' THEN 'owner' WHEN reason = 'traveler_cancelled' THEN 'traveler'
            WHEN reason IN ('dates_taken', 'expired') THEN 'hostly' END,
       updated_at
  FROM bookings WHERE status <> 'pending'
 ORDER BY 1, 5;
