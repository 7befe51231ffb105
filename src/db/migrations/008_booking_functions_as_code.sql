-- The booking functions now live in src/bookings/booking.sql, re-applied by every migrate after the numbered
-- migrations. Their signatures changed (the topic names became parameters; the status payload takes a reason),
-- and CREATE OR REPLACE cannot change a signature: drop the versions 003 and 004 created in databases migrated
-- before. Nothing else uses them.
DROP FUNCTION IF EXISTS request_booking(bigint, bigint, date, date, int);
DROP FUNCTION IF EXISTS accept_booking(bigint, bigint);
DROP FUNCTION IF EXISTS booking_status_payload(bookings);
