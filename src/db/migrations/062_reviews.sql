-- Reviews (issue 19, the second half of conversations): after an accepted stay ends, its traveler and its
-- property's owner may each review the other once, within a window (src/reviews/review.sql: review_window_closes).
-- Double-blind: a review stays unpublished (seen by its author only) until both have written or the window closes;
-- publishing stamps published_at and published_seq (the order of the property page, newest first) and writes its
-- review-published event, in one statement (review.sql: publish_reviews).
CREATE TABLE reviews (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  booking_id    bigint NOT NULL REFERENCES bookings ON DELETE CASCADE,
  property_id   bigint NOT NULL REFERENCES properties ON DELETE CASCADE,
  author_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  subject_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  -- traveler: the guest reviews the stay and its host (shown on the property page); owner: the host reviews the guest.
  author_role   text NOT NULL CHECK (author_role IN ('traveler', 'owner')),
  rating        smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment       text NOT NULL CHECK (char_length(comment) BETWEEN 1 AND 2000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  published_seq bigint UNIQUE,
  -- The host's one public answer to a guest's published review.
  reply         text CHECK (char_length(reply) BETWEEN 1 AND 2000),
  replied_at    timestamptz,
  -- One review per party per stay.
  CONSTRAINT reviews_one_per_party UNIQUE (booking_id, author_role),
  CHECK (author_id <> subject_id),
  CHECK ((published_at IS NULL) = (published_seq IS NULL)),
  CHECK ((reply IS NULL) = (replied_at IS NULL)),
  CHECK (reply IS NULL OR (author_role = 'traveler' AND published_at IS NOT NULL))
);
CREATE SEQUENCE reviews_published_seq OWNED BY reviews.published_seq;
-- The property page: its guests' published reviews, newest first.
CREATE INDEX reviews_property_idx ON reviews (property_id, published_seq DESC) WHERE author_role = 'traveler' AND published_seq IS NOT NULL;
-- The sweeper's search: the reviews still waiting (a few weeks' worth at most).
CREATE INDEX reviews_waiting_idx ON reviews (booking_id) WHERE published_at IS NULL;
CREATE INDEX reviews_author_idx ON reviews (author_id);
CREATE INDEX reviews_subject_idx ON reviews (subject_id);

-- Each property's published guest reviews, counted as they are published: the average on the property page and
-- search's sort by rating read one row instead of the reviews.
CREATE TABLE property_ratings (
  property_id bigint PRIMARY KEY REFERENCES properties ON DELETE CASCADE,
  reviews     integer NOT NULL DEFAULT 0 CHECK (reviews >= 0),
  rating_sum  integer NOT NULL DEFAULT 0 CHECK (rating_sum >= 0)
);

-- The reviewed party is told in the inbox.
ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
  CHECK (type IN ('booking_requested', 'booking_accepted', 'booking_cancelled', 'review_published'));
