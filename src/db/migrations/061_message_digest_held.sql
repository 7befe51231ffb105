-- The e-mail digest's held messages (issue 19): a message that arrives within the quiet period after an e-mail is
-- held, and recorded here, so the e-mail worker's sweep sends it once the period has passed even if nothing else
-- arrives. held_through is the newest held message, held_event_id its message-sent event (the digest's Message-ID).
ALTER TABLE thread_parties
  ADD COLUMN held_through  bigint NOT NULL DEFAULT 0,
  ADD COLUMN held_event_id uuid;
-- The sweep's search: parties with held messages not yet e-mailed, by when their quiet period ends.
CREATE INDEX thread_parties_held_idx ON thread_parties (emailed_at) WHERE held_through > emailed_through;
