-- Reviews' rules, as booking.sql holds the booking's: code, re-applied by `hostly migrate` after the numbered
-- migrations (so every statement is CREATE OR REPLACE and safe to run again). Table: 062_reviews.sql.
--
--   write    write_review()          a party of an ended, accepted stay reviews the other, once, within the window;
--                                    the second review publishes both
--   close    close_review_windows()  the sweeper: reviews whose window has closed are published alone
--
-- Double-blind: a review is published when both parties have written or when the window closes, whichever comes
-- first, so neither writes in answer to the other. Publishing is publish_reviews(): it stamps the reviews, writes one
-- review-published event for each review it publishes (the UPDATE returns only the rows it moved from unpublished,
-- so a review is published, and announced, once however the writers and sweepers meet) and counts guests' reviews
-- in property_ratings, in one statement of the caller's transaction. Topic names are parameters, as in booking.sql.
--
-- Locks: write_review() locks the booking (FOR NO KEY UPDATE), so the two parties' reviews of one stay are written
-- one after the other and the second always sees the first; then the review rows (publishing), then
-- property_ratings. The sweeper locks review rows with SKIP LOCKED (never waiting), then property_ratings, in
-- property order. Nothing takes these in the other order.

-- The day the review window closes: 14 days after the stay's check-out day (UTC dates, as every date of Hostly).
-- Writing is open from the check-out day until the day before this one.
CREATE OR REPLACE FUNCTION review_window_closes(end_date date) RETURNS date
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT end_date + 14 $$;

CREATE OR REPLACE FUNCTION utc_today() RETURNS date
  LANGUAGE sql STABLE
  AS $$ SELECT (now() AT TIME ZONE 'UTC')::date $$;

-- The review-published payload of docs/events.md, field for field. The comment is not in it: it stays in PostgreSQL.
-- VOLATILE, as clock_timestamp() is, so that it is inlined (booking.sql's payloads say why).
CREATE OR REPLACE FUNCTION review_published_payload(r reviews, reason text) RETURNS text
  LANGUAGE sql VOLATILE
  AS $$ SELECT json_build_object(
    'id', r.id, 'booking_id', r.booking_id, 'property_id', r.property_id, 'author_id', r.author_id,
    'subject_id', r.subject_id, 'author_role', r.author_role, 'rating', r.rating, 'reason', reason,
    'published_at', iso_utc(r.published_at), 'timestamp', iso_utc(clock_timestamp())
  )::text $$;

-- Publishes those of p_ids not published yet, each with its event (key: the booking id, so a stay's two reviews keep
-- their order); reason: both_written or window_closed. Returns how many it published.
CREATE OR REPLACE FUNCTION publish_reviews(p_ids bigint[], p_reason text, p_topic text) RETURNS int
  LANGUAGE sql
  AS $$
  WITH published AS (
    UPDATE reviews r SET published_at = now(), published_seq = nextval('reviews_published_seq')
     WHERE r.id = ANY (p_ids) AND r.published_at IS NULL
    RETURNING r.*
  ), events AS (
    INSERT INTO outbox (event_id, topic, key, payload)
    SELECT gen_random_uuid(), p_topic, p.booking_id::text, review_published_payload(ROW(p.*)::reviews, p_reason)
      FROM published p ORDER BY p.id
    RETURNING 1
  ), ratings AS (
    INSERT INTO property_ratings AS pr (property_id, reviews, rating_sum)
    SELECT p.property_id, count(*), sum(p.rating) FROM published p WHERE p.author_role = 'traveler'
     GROUP BY p.property_id ORDER BY p.property_id
    ON CONFLICT (property_id) DO UPDATE SET reviews = pr.reviews + excluded.reviews, rating_sum = pr.rating_sum + excluded.rating_sum
  )
  SELECT count(*)::int FROM events
$$;

-- write: p_author reviews the other party of booking p_booking. outcome: 'written' (review_id; published: whether
-- this write published it, the other party having written), 'not_found', 'not_party', 'not_a_stay' (detail: the
-- booking's status), 'too_early' (detail: the check-out day, when it opens), 'closed' (detail: the day it closed),
-- 'already_reviewed'.
CREATE OR REPLACE FUNCTION write_review(p_booking bigint, p_author bigint, p_rating int, p_comment text, p_topic text)
  RETURNS TABLE (outcome text, review_id bigint, published boolean, detail text)
  LANGUAGE plpgsql
  AS $$
DECLARE
  b bookings;
  v_owner bigint;
  v_role text;
  v_subject bigint;
  v_id bigint;
BEGIN
  SELECT bk.* INTO b FROM bookings bk WHERE bk.id = p_booking;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found', NULL::bigint, false, NULL::text; RETURN;
  END IF;
  SELECT p.owner_id INTO v_owner FROM properties p WHERE p.id = b.property_id;
  IF p_author = b.traveler_id THEN
    v_role := 'traveler'; v_subject := v_owner;
  ELSIF p_author = v_owner THEN
    v_role := 'owner'; v_subject := b.traveler_id;
  ELSE
    RETURN QUERY SELECT 'not_party', NULL::bigint, false, NULL::text; RETURN;
  END IF;
  -- Only now, a party: the stay's reviews are written one at a time.
  SELECT bk.* INTO b FROM bookings bk WHERE bk.id = p_booking FOR NO KEY UPDATE;
  IF b.status <> 'accepted' THEN
    RETURN QUERY SELECT 'not_a_stay', NULL::bigint, false, b.status; RETURN;
  END IF;
  IF utc_today() < b.end_date THEN
    RETURN QUERY SELECT 'too_early', NULL::bigint, false, to_char(b.end_date, 'YYYY-MM-DD'); RETURN;
  END IF;
  IF utc_today() >= review_window_closes(b.end_date) THEN
    RETURN QUERY SELECT 'closed', NULL::bigint, false, to_char(review_window_closes(b.end_date), 'YYYY-MM-DD'); RETURN;
  END IF;
  INSERT INTO reviews (booking_id, property_id, author_id, subject_id, author_role, rating, comment)
  VALUES (b.id, b.property_id, p_author, v_subject, v_role, p_rating, p_comment)
  ON CONFLICT ON CONSTRAINT reviews_one_per_party DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NULL THEN
    RETURN QUERY SELECT 'already_reviewed', NULL::bigint, false, NULL::text; RETURN;
  END IF;
  -- Both have written: both are published now (the first one may have been published alone by the window's close).
  IF (SELECT count(*) FROM reviews r WHERE r.booking_id = b.id) = 2 THEN
    PERFORM publish_reviews(ARRAY(SELECT r.id FROM reviews r WHERE r.booking_id = b.id AND r.published_at IS NULL ORDER BY r.id),
                            'both_written', p_topic);
    RETURN QUERY SELECT 'written', v_id, true, NULL::text; RETURN;
  END IF;
  RETURN QUERY SELECT 'written', v_id, false, NULL::text;
END
$$;

-- close: publishes up to p_limit reviews whose window has closed without the other party writing, each with its
-- event (reason window_closed). Bounded, and FOR UPDATE SKIP LOCKED, so several sweepers share the work, as
-- expire_bookings() does. Returns how many it published.
CREATE OR REPLACE FUNCTION close_review_windows(p_limit int, p_topic text) RETURNS int
  LANGUAGE sql
  AS $$
  SELECT publish_reviews(ARRAY(
    SELECT r.id FROM reviews r JOIN bookings b ON b.id = r.booking_id
     WHERE r.published_at IS NULL AND review_window_closes(b.end_date) <= utc_today()
     ORDER BY r.id LIMIT p_limit FOR UPDATE OF r SKIP LOCKED), 'window_closed', p_topic)
$$;
