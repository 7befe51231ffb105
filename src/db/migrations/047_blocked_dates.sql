-- Blocked dates (issue 18): an owner takes nights off sale (maintenance, their own use), with an optional note
-- for themselves. [start_date, end_date) like a stay: the nights from start_date to the night before end_date.
CREATE TABLE property_blocks (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  property_id bigint NOT NULL REFERENCES properties ON DELETE CASCADE,
  start_date  date NOT NULL,
  end_date    date NOT NULL,
  note        text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (end_date > start_date)
);
-- A property's blocks by end date, as bookings_accepted_property_end_idx (009) is for its stays: a lookup of the
-- blocks over some dates (stays_overlap) is one range of it.
CREATE INDEX property_blocks_property_end_idx ON property_blocks (property_id, end_date) INCLUDE (start_date);

-- The nights a property has given away, whoever to: one row per accepted stay and one per block. Its exclusion
-- constraint is the promise that a block and an accepted stay (or two blocks) never share a night, kept by
-- PostgreSQL itself; bookings_no_overlap (001) still keeps two accepted stays apart on its own. The rows are written
-- by the triggers below, not by the code that accepts or blocks, so no statement can get round them: an UPDATE of
-- a booking to accepted typed by hand over a block fails like the API's would.
CREATE TABLE taken_nights (
  property_id bigint NOT NULL REFERENCES properties ON DELETE CASCADE,
  start_date  date NOT NULL,
  end_date    date NOT NULL,
  booking_id  bigint UNIQUE REFERENCES bookings ON DELETE CASCADE,
  block_id    bigint UNIQUE REFERENCES property_blocks ON DELETE CASCADE,
  CHECK (num_nonnulls(booking_id, block_id) = 1),
  CONSTRAINT taken_nights_no_overlap EXCLUDE USING gist (property_id WITH =, daterange(start_date, end_date) WITH &&)
);
CREATE INDEX taken_nights_property_end_idx ON taken_nights (property_id, end_date) INCLUDE (start_date);

-- A booking holds its nights while it is accepted: from its acceptance to its cancellation.
CREATE FUNCTION take_nights_of_booking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = 'accepted' THEN
    DELETE FROM taken_nights WHERE booking_id = OLD.id;
  END IF;
  IF NEW.status = 'accepted' THEN
    INSERT INTO taken_nights (property_id, start_date, end_date, booking_id) VALUES (NEW.property_id, NEW.start_date, NEW.end_date, NEW.id);
  END IF;
  RETURN NULL;
END
$$;
-- Only the changes to or from accepted run it: a request (pending) and a declined request cost nothing more.
CREATE TRIGGER bookings_take_nights_insert AFTER INSERT ON bookings
  FOR EACH ROW WHEN (NEW.status = 'accepted') EXECUTE FUNCTION take_nights_of_booking();
CREATE TRIGGER bookings_take_nights_update AFTER UPDATE ON bookings
  FOR EACH ROW WHEN (OLD.status = 'accepted' OR NEW.status = 'accepted') EXECUTE FUNCTION take_nights_of_booking();

-- A block holds its nights while it exists (deleting it frees them: ON DELETE CASCADE).
CREATE FUNCTION take_nights_of_block() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM taken_nights WHERE block_id = OLD.id;
  END IF;
  INSERT INTO taken_nights (property_id, start_date, end_date, block_id) VALUES (NEW.property_id, NEW.start_date, NEW.end_date, NEW.id);
  RETURN NULL;
END
$$;
CREATE TRIGGER property_blocks_take_nights AFTER INSERT OR UPDATE ON property_blocks
  FOR EACH ROW EXECUTE FUNCTION take_nights_of_block();

INSERT INTO taken_nights (property_id, start_date, end_date, booking_id)
SELECT property_id, start_date, end_date, id FROM bookings WHERE status = 'accepted';
