-- Retention (src/db/retention.ts) deletes old rows oldest first; these indexes let it find them without
-- reading the table. outbox's is partial: unpublished rows are never swept.
CREATE INDEX outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);

-- "Exactly one notification per event" held by processed_events alone; the database now refuses a second
-- notification of one event to one person even if that record were gone (swept, restored from a backup).
-- Copies made before this constraint are the same notice twice: the first one stays.
DELETE FROM notifications n
 USING notifications first
 WHERE first.event_id = n.event_id AND first.user_id = n.user_id AND first.id < n.id;
ALTER TABLE notifications ADD CONSTRAINT notifications_event_recipient_key UNIQUE (event_id, user_id);
