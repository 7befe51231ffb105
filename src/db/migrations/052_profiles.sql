-- What a person tells the other party of a booking about themselves (issue 18): a few words, their city, the
-- languages they speak (BCP 47 tags, canonical). Empty until they write them; never the e-mail address.
ALTER TABLE users
  ADD COLUMN about text NOT NULL DEFAULT '' CHECK (length(about) <= 1000),
  ADD COLUMN city text NOT NULL DEFAULT '' CHECK (length(city) <= 100),
  ADD COLUMN languages text[] NOT NULL DEFAULT '{}' CHECK (cardinality(languages) <= 10);
