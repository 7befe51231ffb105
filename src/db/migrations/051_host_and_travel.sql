-- One account may both host and travel (issue 18, the original Hostly's `both`). The role stays one column, so every
-- route's guard keeps reading one value: 'both' passes the traveler's guards and the owner's. A traveler becomes
-- 'both' by starting to host, an owner by starting to travel; nobody goes back (their places and stays stand).
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('traveler', 'owner', 'both'));
