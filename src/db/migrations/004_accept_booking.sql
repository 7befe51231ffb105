-- This migration created accept_booking(). It is code now, not history: src/bookings/booking.sql holds it and
-- every migrate re-applies it (008 drops the signature this created in databases migrated before). Left empty so
-- that the numbering, and databases that recorded it, stay as they are.
SELECT 1;
