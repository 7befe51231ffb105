-- An owner may unlist a property and list it again (issue 18). Unlisted: out of search, no new requests; its
-- page still opens (it says so), and its bookings stand: accepted stays happen, pending requests may still be
-- answered (docs/http.md, Editing and pausing a listing).
ALTER TABLE properties ADD COLUMN listed boolean NOT NULL DEFAULT true;
