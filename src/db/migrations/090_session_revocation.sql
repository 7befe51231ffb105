-- Sessions cached by the API processes (src/auth/session-cache.ts): a few seconds per process, bounded, served only
-- while the process LISTENs on hostly_sessions. Whatever ends a session or changes the user it signs in (sign-out,
-- sign-out everywhere, a password change, a profile or role change, an account deleted, a future path that writes
-- these tables) tells every API process here, at its commit, whichever code did it: the cached entries of those
-- users are dropped at once on every replica.
--
-- Payload: the user ids, comma-separated, or '*' (drop everything) when a statement touched more users than fit in
-- one NOTIFY (PostgreSQL's limit is 8000 bytes). Statement-level triggers: one NOTIFY per statement, not per row.
-- Sessions deleted after they expired say nothing (the retention sweep): a cache never serves an expired session.
-- A NOTIFY inside a transaction takes a cluster-wide lock at its commit: these are sign-outs and account edits, never
-- the booking path.
CREATE FUNCTION notify_session_users() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
BEGIN
  IF TG_TABLE_NAME = 'sessions' THEN
    SELECT array_agg(DISTINCT user_id) INTO ids FROM gone WHERE expires_at > now();
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(id) INTO ids FROM changed;
  ELSE
    SELECT array_agg(id) INTO ids FROM gone;
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM pg_notify('hostly_sessions', CASE WHEN cardinality(ids) > 400 THEN '*' ELSE array_to_string(ids, ',') END);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION notify_session_users();
CREATE TRIGGER users_changed AFTER UPDATE ON users
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_session_users();
CREATE TRIGGER users_deleted AFTER DELETE ON users
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION notify_session_users();
