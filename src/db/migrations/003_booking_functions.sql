-- This migration created request_booking() and the event payload functions. They are code now, not history:
-- src/bookings/booking.sql holds them and every migrate re-applies it (008 drops the signatures this created in
-- databases migrated before). Left empty so that the numbering, and databases that recorded it, stay as they are.
SELECT 1;
