-- Every rule of a booking in booking.sql (the code-health issue): the cap on a traveler's pending requests and the
-- booking's owner_id were triggers on bookings (migrations 007 and 005). request_booking() now does both itself:
-- it has the property locked already (so the owner costs no second read), and it takes the cap as an argument
-- instead of a per-connection setting. Whatever writes bookings directly (tools, tests, the benchmark's data)
-- gives owner_id itself, as the column's NOT NULL insists; nothing of that kind ever had a cap.
DROP TRIGGER bookings_cap_pending ON bookings;
DROP FUNCTION cap_pending_requests();
DROP TRIGGER bookings_set_owner ON bookings;
DROP FUNCTION bookings_set_owner();

-- request_booking() gains the cap (p_max_pending); CREATE OR REPLACE cannot add an argument, so the old signature
-- goes (booking.sql, applied after this, creates the new one).
DROP FUNCTION IF EXISTS request_booking(bigint, bigint, date, date, int, text);
