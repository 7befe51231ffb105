-- Deleting an account (issue 18). The user row stays, emptied (its bookings, messages and history are the other
-- party's records too, and point at it); deleted_at says it is gone: its name reads "Deleted account", its e-mail
-- address is replaced by one under .invalid (the real one is free to sign up again), its password hash matches
-- nothing. docs/security.md says what is kept and why.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;

-- Why a change was made when it was not the booking's own story: 'account_deleted', a party deleted their account
-- (the event keeps that party's usual reason, traveler_cancelled or owner_declined: docs/events.md). The notification
-- services read it from here to tell the other party why.
ALTER TABLE booking_history ADD COLUMN cause text CHECK (cause IN ('account_deleted'));
