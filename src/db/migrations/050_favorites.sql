-- A person's saved places (issue 18): one row per person and property, whatever the number of PUTs. The id gives
-- the favorites page its newest-first keyset order; a deleted person or property takes its rows with it.
CREATE TABLE favorites (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  property_id bigint NOT NULL REFERENCES properties ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, property_id)
);
-- The favorites page, newest first; (user_id, property_id) above answers "is this one saved?".
CREATE INDEX favorites_user_id_idx ON favorites (user_id, id DESC);
CREATE INDEX favorites_property_idx ON favorites (property_id);
