-- What a guest reads before booking and an owner may change at any time (issue 18): house rules, the check-in and
-- check-out times, and the fewest nights a stay may have. Times are 'HH:MM' on the 24-hour clock, the property's
-- local time (no time zone: they are read as written on a door). Existing properties get the usual hours and no
-- minimum.
ALTER TABLE properties
  ADD COLUMN house_rules text NOT NULL DEFAULT '' CHECK (length(house_rules) <= 5000),
  ADD COLUMN check_in_time text NOT NULL DEFAULT '15:00' CHECK (check_in_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  ADD COLUMN check_out_time text NOT NULL DEFAULT '11:00' CHECK (check_out_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  ADD COLUMN min_nights integer NOT NULL DEFAULT 1 CHECK (min_nights BETWEEN 1 AND 365);

-- request_booking() names its result's second column `bound` now (the guests' or the nights' limit, by outcome):
-- CREATE OR REPLACE cannot rename it, so the old signature goes; src/bookings/booking.sql makes the new one.
DROP FUNCTION IF EXISTS request_booking(bigint, bigint, date, date, int, text);
