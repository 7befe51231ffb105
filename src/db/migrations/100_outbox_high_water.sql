-- The relay finds what to publish from a position instead of a partial index (issue 21). Marking a row published
-- becomes a HOT update, which writes no index entry; it used to write three (published_at was in both partial
-- indexes' conditions, so the new row version went into the primary key, event_id's index and the retention index).
-- The insert writes two index entries instead of three.
--
-- outbox_relay.published_through: every outbox id at or below it is published, or belongs to a transaction that
-- rolled back. The relay reads unpublished rows above it, in id order, and advances it only past ids that can no
-- longer commit; why that is safe is in src/outbox/position.ts. Lowering it (with the rows' published_at set to null)
-- makes the relay send those events again.
CREATE TABLE outbox_relay (
  one               boolean PRIMARY KEY DEFAULT true CHECK (one),
  published_through bigint NOT NULL
);

-- Outbox ids are drawn by a function that gives the transaction its id first (pg_current_xact_id() assigns one if it
-- has none yet). An identity column draws the id before the row is written, and the row's write is what gives a
-- transaction that wrote nothing before it its id: between the two, the relay's snapshot would not list it as
-- running. The relay's safety rests on "drew an outbox id ⇒ already had a transaction id".
ALTER TABLE outbox ALTER COLUMN id DROP IDENTITY;  -- takes the table's ACCESS EXCLUSIVE lock: no writer is in flight
CREATE SEQUENCE outbox_id_seq OWNED BY outbox.id;
SELECT setval('outbox_id_seq', coalesce((SELECT max(id) FROM outbox), 0) + 1, false);
CREATE FUNCTION outbox_next_id() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_current_xact_id();
  RETURN nextval('outbox_id_seq');
END
$$;
ALTER TABLE outbox ALTER COLUMN id SET DEFAULT outbox_next_id();

-- Each part read on an index (the partial one is dropped below), not by a scan of the table under the lock.
INSERT INTO outbox_relay (published_through)
SELECT coalesce((SELECT min(id) - 1 FROM outbox WHERE published_at IS NULL), (SELECT max(id) FROM outbox), 0);
ANALYZE outbox_relay; -- one row, not the planner's guess for a table never analysed (2,200): see relay.ts

-- Retention deletes rows published longer ago than OUTBOX_RETENTION. A row is written before it is published, and
-- ids follow the order rows are written closely enough to bound the search: the first id whose row is younger than
-- a time, found by bisecting the primary key (about 26 index probes for 60 million rows). No index on a time, so
-- nothing more is written per row, and nothing is built here under the table's lock. A row written by a transaction
-- that ran long has an id later than its time: it is deleted by a later sweep, once the bound has passed it.
DROP INDEX outbox_unpublished_idx;
DROP INDEX outbox_published_at_idx;
CREATE FUNCTION outbox_first_id_since(t timestamptz) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
  lo bigint;  -- every row below lo that a probe saw was written before t
  hi bigint;  -- the row at hi, if any, was not
  mid bigint;
  next_id bigint;
  next_at timestamptz;
BEGIN
  SELECT min(id), max(id) + 1 INTO lo, hi FROM outbox;
  IF lo IS NULL THEN
    RETURN 0;
  END IF;
  WHILE lo < hi LOOP
    mid := lo + (hi - lo) / 2;
    SELECT id, created_at INTO next_id, next_at FROM outbox WHERE id >= mid ORDER BY id LIMIT 1;
    IF next_id IS NOT NULL AND next_id < hi AND next_at < t THEN
      lo := next_id + 1;
    ELSE
      hi := mid;  -- no row in [mid, next_id), and the one at next_id (if below hi) is younger
    END IF;
  END LOOP;
  RETURN lo;
END
$$;

-- Room on each page for its rows' second versions: the mark's new version is HOT only if it fits on the same page.
-- In the census, 100 left one mark in ten not HOT; 80 none, for a table a quarter larger (50, tried first: twice).
ALTER TABLE outbox SET (fillfactor = 80);
