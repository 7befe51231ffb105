-- Each e-mail the e-mail service sends, recorded before it is sent and marked after: a crash between the two
-- leaves 'sending', and the redelivered event sends it again with the same Message-ID (attempts counts the tries).
CREATE TABLE email_messages (
  event_id     uuid NOT NULL,
  recipient_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  -- Derived from event id and recipient: a resend is the same message to any mail system.
  message_id   text NOT NULL UNIQUE,
  kind         text NOT NULL,
  address      text NOT NULL,
  -- sending: recorded, maybe sent; sent: the SMTP server took it; failed: refused for good (5xx), not retried;
  -- skipped: the recipient turned e-mail off.
  status       text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'skipped')),
  attempts     integer NOT NULL DEFAULT 0,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  PRIMARY KEY (event_id, recipient_id)
);
