-- Indexes that keep a request's cost tied to what it returns, not to how much data exists (issue 13,
-- BENCHMARKS.md "Data scale"). IF NOT EXISTS: another branch may create the same index under the same name.

-- Property search matches `location` anywhere in city, state or country (ILIKE '%…%'): a b-tree cannot serve a
-- leading wildcard, trigram GIN indexes can (three of them, combined by a BitmapOr). pg_trgm ships with
-- PostgreSQL's contrib, which Debian's and the official images include.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS properties_city_trgm_idx ON properties USING gin (city gin_trgm_ops);
CREATE INDEX IF NOT EXISTS properties_state_trgm_idx ON properties USING gin (state gin_trgm_ops);
CREATE INDEX IF NOT EXISTS properties_country_trgm_idx ON properties USING gin (country gin_trgm_ops);

-- Accepting a request cancels the property's overlapping pending requests: these few rows, without reading the
-- property's whole booking history (or every pending request in the system).
CREATE INDEX IF NOT EXISTS bookings_pending_property_idx ON bookings (property_id) WHERE status = 'pending';

-- A user's notifications, newest first: notifications_user_id_idx (user_id, id DESC) of 001 already serves it.

-- Search with dates asks, per candidate property, "is an accepted stay overlapping these dates?": a b-tree probe
-- of the property's accepted stays ending after the start (the exclusion constraint's gist index answers too,
-- a few times slower per probe). INCLUDE start_date: answered from the index alone.
CREATE INDEX IF NOT EXISTS bookings_accepted_property_end_idx ON bookings (property_id, end_date) INCLUDE (start_date)
  WHERE status = 'accepted';
