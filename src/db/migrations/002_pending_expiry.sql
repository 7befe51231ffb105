-- The expiry sweeper looks for old pending requests; this keeps that look cheap however many bookings exist.
CREATE INDEX bookings_pending_created_at_idx ON bookings (created_at) WHERE status = 'pending';
