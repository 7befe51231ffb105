-- Traces (issue 20): each outbox row carries the W3C traceparent of the request whose transaction wrote it, so the
-- relay's publish, the consumers and the e-mail belong to that request's trace (docs/operations.md, Traces).
--
-- The rows are written by the stored functions of booking.sql, and by whatever writes outbox rows next: rather
-- than a parameter for each of them, the column's default reads a transaction-local setting, hostly.traceparent.
-- Unset (tracing off, the expiry sweeper), the column is null; '' is what current_setting answers once a SET LOCAL
-- of an earlier transaction on the same connection has ended, hence the nullif.
-- Two steps: the column first (no default, so no table rewrite and old rows null), then its default.
ALTER TABLE outbox ADD COLUMN traceparent text;
ALTER TABLE outbox ALTER COLUMN traceparent SET DEFAULT nullif(current_setting('hostly.traceparent', true), '');

-- Sets hostly.traceparent for the rest of the transaction (SET LOCAL) and returns value unchanged. Wrapped around
-- an argument of the stored function that writes the rows (request_booking(…, in_trace($6, $7))): PostgreSQL
-- evaluates a function's arguments before its body, so the setting is in place when the rows are written, in the
-- same statement, at no extra round trip. A null traceparent (tracing off) sets nothing.
CREATE FUNCTION in_trace(value text, traceparent text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF traceparent IS NOT NULL THEN
    PERFORM set_config('hostly.traceparent', traceparent, true);
  END IF;
  RETURN value;
END
$$;
