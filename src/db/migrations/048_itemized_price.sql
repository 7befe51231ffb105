-- An itemized price (issue 18): a property's cleaning fee (once per stay) and tax rate (a percentage of the nights
-- and the fee), in its currency; and on each booking the items it was requested at, so a later change of the
-- property's prices never touches it. stay_price() in src/bookings/booking.sql is the one computation.
ALTER TABLE properties
  ADD COLUMN cleaning_fee numeric(10, 2) NOT NULL DEFAULT 0 CHECK (cleaning_fee >= 0),
  ADD COLUMN tax_rate numeric(5, 2) NOT NULL DEFAULT 0 CHECK (tax_rate BETWEEN 0 AND 100);

-- Null on the bookings made before: their total was the nights alone (booking_price() reads them so), and
-- rewriting every booking to say so would lock the table for nothing.
ALTER TABLE bookings
  ADD COLUMN nightly_price numeric(10, 2),
  ADD COLUMN cleaning_fee numeric(10, 2),
  ADD COLUMN tax_rate numeric(5, 2),
  ADD COLUMN taxes numeric(12, 2);
