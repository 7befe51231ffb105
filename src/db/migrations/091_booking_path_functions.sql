-- Two helpers booking.sql no longer has (it is re-applied after this): request_booking() writes its booking-created
-- event in the statement that inserts the booking, instead of calling write_created_event(); and nights_held()
-- answers from taken_nights what the accepted-stays look-up and dates_blocked() answered in two.
DROP FUNCTION IF EXISTS write_created_event(bookings, text);
DROP FUNCTION IF EXISTS dates_blocked(bigint, date, date);
