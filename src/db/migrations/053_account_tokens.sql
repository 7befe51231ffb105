-- Password resets and e-mail changes (issue 18). A token is never stored: its link is an HMAC under the key the API
-- and the e-mail service share (UNSUBSCRIBE_KEY) over the row's id and nonce, and only its SHA-256 is kept here. A
-- copy of this table without the key rebuilds no link; the e-mail service, which has the key, rebuilds the one link
-- it sends (src/account/tokens.ts).
CREATE TABLE account_tokens (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('password_reset', 'email_change')),
  nonce       bytea NOT NULL,
  token_hash  bytea NOT NULL UNIQUE,
  -- The address an e-mail change goes to; null for a reset.
  new_email   text CHECK ((purpose = 'email_change') = (new_email IS NOT NULL)),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

-- The account e-mails to send, written by the transaction that makes the token (so a committed request always has
-- its e-mail, and the API never waits on SMTP). The e-mail service claims due rows (FOR UPDATE SKIP LOCKED, so
-- several may run), commits the claim, sends, and marks them sent; an SMTP outage leaves the row 'sending' with a
-- later next_attempt_at; a crash between send and mark sends it again with the same Message-ID (from the id).
CREATE TABLE account_emails (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_id        bigint NOT NULL REFERENCES account_tokens ON DELETE CASCADE,
  address         text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX account_emails_due_idx ON account_emails (next_attempt_at) WHERE status IN ('pending', 'sending');

-- Requests for a reset link, for their throttle: per address and per client within a window.
CREATE TABLE reset_requests (
  email  text NOT NULL,
  client text NOT NULL,
  at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reset_requests_email_idx ON reset_requests (lower(email), at);
CREATE INDEX reset_requests_client_idx ON reset_requests (client, at);

-- A reset request for (email, client): true when recorded, false when the address or the client has asked max times
-- within the window. Advisory locks (client first, then address, as the sign-in claims) make requests sent at once
-- count each other.
CREATE FUNCTION claim_reset_request(p_email text, p_client text, p_window interval, max_per_email int, max_per_client int) RETURNS boolean
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(7243016, hashtext(p_client));
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
