-- Text distance, used by consensus (re-captions that differ), gold scoring (a re-caption near the
-- reference) and the review page: Levenshtein over characters after normalising case, spaces and
-- final punctuation, divided by the longer length (0 = same, 1 = nothing shared). Long texts (over
-- 40,000 character cells) are compared word by word instead, on their first 200 words, to bound the
-- cost of a plpgsql loop (docs/decisions/007-quality-in-the-database.md).
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

CREATE OR REPLACE FUNCTION loupe_normalize_text(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(btrim(regexp_replace(lower(coalesce(t, '')), '\s+', ' ', 'g')), '[.!。]+$', '')
$$;

CREATE OR REPLACE FUNCTION loupe_text_distance(a text, b text) RETURNS real LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  na text := loupe_normalize_text(a);
  nb text := loupe_normalize_text(b);
  s text[];
  t text[];
  m int;
  n int;
  prev int[];
  cur int[];
  i int;
  j int;
BEGIN
  IF na = nb THEN RETURN 0; END IF;
  IF na = '' OR nb = '' THEN RETURN 1; END IF;
  IF length(na)::bigint * length(nb) > 40000 THEN
    s := (regexp_split_to_array(na, ' '))[1:200];
    t := (regexp_split_to_array(nb, ' '))[1:200];
  ELSE
    s := regexp_split_to_array(na, '');
    t := regexp_split_to_array(nb, '');
  END IF;
  m := array_length(s, 1);
  n := array_length(t, 1);
  prev := array(SELECT generate_series(0, n));
  FOR i IN 1..m LOOP
    cur := array_fill(0, ARRAY[n + 1]);
    cur[1] := i;
    FOR j IN 1..n LOOP
      cur[j + 1] := least(prev[j + 1] + 1, cur[j] + 1, prev[j] + CASE WHEN s[i] = t[j] THEN 0 ELSE 1 END);
    END LOOP;
    prev := cur;
  END LOOP;
  RETURN prev[n + 1]::real / greatest(m, n);
END $$;
