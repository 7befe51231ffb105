-- Paging (docs/http.md "Paging"): every list reads its page from one index in its own order, newest first = highest
-- id first, so a page costs what it returns however many rows exist. notifications (user_id, id DESC) exists
-- since 001.

-- A traveler's bookings: (traveler_id, id DESC) replaces (traveler_id, created_at DESC), which only that list used.
CREATE INDEX bookings_traveler_page_idx ON bookings (traveler_id, id DESC);
DROP INDEX bookings_traveler_id_idx;

-- An owner's properties: (owner_id, id DESC) serves every lookup (owner_id) served, in page order.
CREATE INDEX properties_owner_page_idx ON properties (owner_id, id DESC);
DROP INDEX properties_owner_id_idx;

-- An owner's bookings: a join through properties reads every booking of every property of the owner before
-- it can sort (issue 13: 20,000 rows for one page of a heavy owner). The owner is stored on the booking
-- instead, set from its property by a trigger, so that every way of inserting a booking gets it right and
-- no caller passes it. A property never changes owner (no endpoint does it), so the copy cannot go stale.
ALTER TABLE bookings ADD COLUMN owner_id bigint;
UPDATE bookings b SET owner_id = p.owner_id FROM properties p WHERE p.id = b.property_id;
ALTER TABLE bookings ALTER COLUMN owner_id SET NOT NULL;

CREATE FUNCTION bookings_set_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT p.owner_id INTO NEW.owner_id FROM properties p WHERE p.id = NEW.property_id;
  RETURN NEW;
END
$$;
CREATE TRIGGER bookings_set_owner BEFORE INSERT OR UPDATE OF property_id ON bookings
  FOR EACH ROW EXECUTE FUNCTION bookings_set_owner();

CREATE INDEX bookings_owner_page_idx ON bookings (owner_id, id DESC);
CREATE INDEX bookings_owner_status_page_idx ON bookings (owner_id, status, id DESC);
