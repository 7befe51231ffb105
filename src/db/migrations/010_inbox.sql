-- The inbox: read state (read_at, a column since 001: kept, and made explicit here), counting the unread, and
-- the preferences a person sets.
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS read_at timestamptz;
-- unread_count and ?unread=true read only the unread of one user: a small partial index, whatever the history.
CREATE INDEX notifications_unread_idx ON notifications (user_id, id) WHERE read_at IS NULL;

-- One row per user who changed a preference; no row means the defaults (e-mail on).
CREATE TABLE user_preferences (
  user_id             bigint PRIMARY KEY REFERENCES users ON DELETE CASCADE,
  email_notifications boolean NOT NULL DEFAULT true,
  updated_at          timestamptz NOT NULL DEFAULT now()
);
