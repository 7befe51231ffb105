-- Search that finds what people type (issue 17): words of the title, the description, the city, the state and the
-- country, in any letter case and with or without accents, typos tolerated, ranked. PostgreSQL full-text search
-- over one document per property (a GIN index), unaccent for the accents, pg_trgm for the typos. Both extensions
-- ship with PostgreSQL's contrib, which Debian's and the official images include.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Lower case, accents off. unaccent() is only STABLE (its dictionary could be edited), so no generated column or
-- index may call it; this wrapper names its dictionary, bound when the function is created, and is IMMUTABLE.
CREATE OR REPLACE FUNCTION search_fold(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN public.unaccent('public.unaccent'::regdictionary, lower($1));

-- A lexeme as a tsquery operand: quoted, its quotes and backslashes doubled, so no character of it is syntax.
CREATE OR REPLACE FUNCTION search_quote(text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN '''' || replace(replace($1, '\', '\\'), '''', '''''') || '''';

-- The words of a property, weighted for ranking: the title first (A), then the place (B), then the description
-- (C). The 'simple' configuration: no language's stemming or stop words, as places and titles mix languages.
ALTER TABLE properties ADD COLUMN search_doc tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple', search_fold(name)), 'A') ||
  setweight(to_tsvector('simple', search_fold(city || ' ' || state || ' ' || country)), 'B') ||
  setweight(to_tsvector('simple', search_fold(description)), 'C')) STORED;
CREATE INDEX properties_search_idx ON properties USING gin (search_doc);

-- Every word any property has had (3 letters or more, not a number): a misspelt word of a search is looked up
-- here by trigram similarity, and the words it finds are searched instead. A few thousand rows, not a row per
-- property; a word is never removed (one no property has any more finds nothing, which costs nothing).
-- COLLATE "C": the primary key's b-tree also answers "is this a prefix of a known word" (a range of bytes).
CREATE TABLE search_terms (term text COLLATE "C" PRIMARY KEY);
CREATE INDEX search_terms_trgm_idx ON search_terms USING gin (term gin_trgm_ops);

-- In a statement trigger, from the rows it wrote: a bulk insert adds its words in one statement. Sorted, so two
-- writers adding the same new words take their locks in the same order.
CREATE FUNCTION remember_search_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search_terms (term)
  SELECT DISTINCT t FROM written, unnest(tsvector_to_array(written.search_doc)) t
   WHERE length(t) >= 3 AND t !~ '^[0-9]+$'
   ORDER BY t
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER properties_search_terms_insert AFTER INSERT ON properties
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION remember_search_terms();
CREATE TRIGGER properties_search_terms_update AFTER UPDATE ON properties
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION remember_search_terms();
INSERT INTO search_terms (term)
SELECT DISTINCT t FROM properties, unnest(tsvector_to_array(search_doc)) t WHERE length(t) >= 3 AND t !~ '^[0-9]+$'
ON CONFLICT DO NOTHING;

-- Sorting by price walks this index (and stops at the page's end), as newest first walks the primary key.
CREATE INDEX properties_price_idx ON properties (price_per_night, id);

-- The trigram indexes on city, state and country (009) served the substring search this replaces.
DROP INDEX IF EXISTS properties_city_trgm_idx;
DROP INDEX IF EXISTS properties_state_trgm_idx;
DROP INDEX IF EXISTS properties_country_trgm_idx;
