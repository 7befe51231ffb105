-- Sign-in attempts are claimed before their password is hashed (src/auth/throttle.sql): the claim is a
-- login_failures row, deleted again by its id when the password was right.
ALTER TABLE login_failures ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
