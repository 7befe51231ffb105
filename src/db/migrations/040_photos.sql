-- Photos of properties and avatars of people (src/photos/). The files are in the media store (src/storage/), named
-- by the hash of their bytes; a row lists its variants as JSON: [{ key, url, width, height, type }], widest first.
CREATE TABLE property_photos (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- A deleted property takes its rows along; its files are removed by the code that deletes it (photos/service.ts).
  property_id bigint NOT NULL REFERENCES properties ON DELETE CASCADE,
  position    integer NOT NULL,
  cover       boolean NOT NULL DEFAULT false,
  width       integer NOT NULL CHECK (width > 0),
  height      integer NOT NULL CHECK (height > 0),
  variants    jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX property_photos_property_idx ON property_photos (property_id, position);
-- At most one cover per property.
CREATE UNIQUE INDEX property_photos_cover_idx ON property_photos (property_id) WHERE cover;
-- "Is this file still used by another photo?" before a file is removed: same bytes, same key.
CREATE INDEX property_photos_variants_idx ON property_photos USING gin (variants jsonb_path_ops);

-- { variants: [...] } as above, square crops; null: no avatar.
ALTER TABLE users ADD COLUMN avatar jsonb;
CREATE INDEX users_avatar_idx ON users USING gin (avatar jsonb_path_ops) WHERE avatar IS NOT NULL;
