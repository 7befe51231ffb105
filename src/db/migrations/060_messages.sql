-- Conversations (issue 19): a thread between a traveler and a property's owner, about one booking or, before any
-- request, about the property (a question to the host). A question's thread attaches to the traveler's next request
-- for that property; every other booking gets a thread of its own when its first message is written.
CREATE TABLE threads (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  property_id bigint NOT NULL REFERENCES properties ON DELETE CASCADE,
  traveler_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  owner_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  booking_id  bigint UNIQUE REFERENCES bookings ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- The newest message: the inbox lists threads by it.
  last_message_id bigint,
  CHECK (traveler_id <> owner_id)
);
-- At most one open question per traveler and property: asking again continues it.
CREATE UNIQUE INDEX threads_question_idx ON threads (property_id, traveler_id) WHERE booking_id IS NULL;
CREATE INDEX threads_traveler_idx ON threads (traveler_id, last_message_id DESC);
CREATE INDEX threads_owner_idx ON threads (owner_id, last_message_id DESC);

CREATE TABLE messages (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  thread_id  bigint NOT NULL REFERENCES threads ON DELETE CASCADE,
  sender_id  bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  body       text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- A thread's page, newest first; a sender's last minute (the rate limit).
CREATE INDEX messages_thread_idx ON messages (thread_id, id DESC);
CREATE INDEX messages_sender_idx ON messages (sender_id, created_at DESC);

-- Each party's side of a thread: what they have read (the other side's "read" receipt), how many of the other's
-- messages the message service has told them of since (the inbox's unread count), and the e-mail digest's state.
CREATE TABLE thread_parties (
  thread_id       bigint NOT NULL REFERENCES threads ON DELETE CASCADE,
  user_id         bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  last_read_id    bigint NOT NULL DEFAULT 0,
  read_at         timestamptz,
  unread_count    integer NOT NULL DEFAULT 0 CHECK (unread_count >= 0),
  -- The last digest e-mail: when, and the newest message it listed (the next one lists those after it).
  emailed_at      timestamptz,
  emailed_through bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX thread_parties_user_idx ON thread_parties (user_id);
