-- The sign-in, registration and password-reset throttles' claims (src/auth/throttle.ts and RESET_LIMITS in
-- src/account/service.ts say what each limit means). A claim counts what the window holds and, under the limits,
-- records the attempt, in one call: attempts sent at once count each other, on every API replica. Advisory locks
-- serialise the claims of one client address and of one account, always taken address first, so no two claims wait
-- on each other in a cycle; plpgsql gives each statement a fresh snapshot, so a claim that waited sees the claims
-- committed before it.
--
-- Code, not history, like booking.sql: re-applied by every `hostly migrate`, CREATE OR REPLACE only.

-- A sign-in attempt for (email, client), before its password is hashed: the id of its login_failures row (to
-- delete if the password is right), or which limit refuses it ('client' or 'account').
CREATE OR REPLACE FUNCTION claim_login_attempt(p_email text, p_client text, p_window interval,
  max_pair int, max_client int, max_account int, OUT claim bigint, OUT refused text)
  LANGUAGE plpgsql
  AS $$
DECLARE
  pair int;
  by_client int;
  by_account int;
BEGIN
  PERFORM pg_advisory_xact_lock(7243013, hashtext(p_client));
  PERFORM pg_advisory_xact_lock(7243014, hashtext(lower(p_email)));
  SELECT count(*) FILTER (WHERE lower(email) = lower(p_email) AND client = p_client),
         count(*) FILTER (WHERE client = p_client),
         count(*) FILTER (WHERE lower(email) = lower(p_email))
    INTO pair, by_client, by_account
    FROM login_failures
   WHERE failed_at > now() - p_window AND (lower(email) = lower(p_email) OR client = p_client);
  IF by_client >= max_client THEN
    refused := 'client';
  ELSIF pair >= max_pair OR (by_account >= max_account AND pair > 0) THEN
    refused := 'account';
  ELSE
    -- Rows past the window go as new ones come (at most 100 a call); the retention sweep takes the rest.
    DELETE FROM login_failures WHERE ctid IN (SELECT ctid FROM login_failures WHERE failed_at < now() - p_window LIMIT 100);
    INSERT INTO login_failures (email, client) VALUES (p_email, p_client) RETURNING id INTO claim;
  END IF;
END
$$;

-- A registration from a client address: true when recorded, false when the address has registered max times
-- within the window.
CREATE OR REPLACE FUNCTION claim_registration(p_client text, p_window interval, max_per_client int) RETURNS boolean
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7243015, hashtext(p_client));
  IF (SELECT count(*) FROM registrations WHERE client = p_client AND at > now() - p_window) >= max_per_client THEN
    RETURN false;
  END IF;
  DELETE FROM registrations WHERE ctid IN (SELECT ctid FROM registrations WHERE at < now() - p_window LIMIT 100);
  INSERT INTO registrations (client) VALUES (p_client);
  RETURN true;
END
$$;

-- A password-reset request for (email, client): true when recorded, false when the address or the client has asked
-- max times within the window. Migration 053 first wrote it with advisory-lock class 7243016 for the client, the
-- class the notification consumers lock each recipient's id in: a client whose hash equalled a user's id waited for
-- that user's notifications, and they for it. Its classes are its own now: 7243018 (client), then 7243017 (address).
CREATE OR REPLACE FUNCTION claim_reset_request(p_email text, p_client text, p_window interval, max_per_email int, max_per_client int) RETURNS boolean
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7243018, hashtext(p_client));
  PERFORM pg_advisory_xact_lock(7243017, hashtext(lower(p_email)));
  IF (SELECT count(*) FROM reset_requests WHERE client = p_client AND at > now() - p_window) >= max_per_client
     OR (SELECT count(*) FROM reset_requests WHERE lower(email) = lower(p_email) AND at > now() - p_window) >= max_per_email THEN
    RETURN false;
  END IF;
  DELETE FROM reset_requests WHERE ctid IN (SELECT ctid FROM reset_requests WHERE at < now() - p_window LIMIT 100);
  INSERT INTO reset_requests (email, client) VALUES (p_email, p_client);
  RETURN true;
END
$$;
