-- The relay finds what to publish from a position instead of a partial index (issue 21): marking a row published
-- becomes a HOT update, which writes no index entry, where it used to write three (a new row version in the
-- primary key, in event_id's index and in the retention index, because published_at was in both partial indexes'
-- predicates), and the insert writes two index entries instead of three.
--
-- outbox_relay.published_through: every outbox id at or below it is published, or belongs to a transaction that
-- rolled back. The relay reads unpublished rows above it, in id order, and advances it only past ids that can no
-- longer commit; why that is safe is in src/outbox/relay.ts. Lowering it (with the rows' published_at set to null)
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

INSERT INTO outbox_relay (published_through)
SELECT coalesce(min(id) FILTER (WHERE published_at IS NULL) - 1, max(id), 0) FROM outbox;
ANALYZE outbox_relay; -- one row, not the planner's guess for a table never analysed (2,200): see relay.ts

-- Retention deletes rows published longer ago than OUTBOX_RETENTION. A row is written before it is published, so
-- created_at bounds the search: a BRIN index (a few pages for the whole table; an insert touches it only when its
-- block range has been summarised by vacuum, and then changes one small summary in place) instead of a B-tree.
DROP INDEX outbox_unpublished_idx;
DROP INDEX outbox_published_at_idx;
CREATE INDEX outbox_created_at_brin ON outbox USING brin (created_at);

-- Room on each page for its rows' second versions: the mark's new version is HOT only if it fits on the same page.
ALTER TABLE outbox SET (fillfactor = 50);
