-- Owner analytics of conversations and reviews (issue 19): per property, the messages written about it and its
-- guests' published reviews with the sum of their ratings (the average is sum ÷ reviews). Built by the analytics
-- service from message-sent and review-published alone, each event counted once (processed_events, in the
-- transaction of the count), so replaying those topics into an empty table gives the same figures.
CREATE TABLE analytics_talk (
  property_id bigint PRIMARY KEY,
  messages    integer NOT NULL DEFAULT 0,
  reviews     integer NOT NULL DEFAULT 0,
  rating_sum  integer NOT NULL DEFAULT 0
);
