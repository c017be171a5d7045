"""Chinese search of one and two characters served by an index.

pg_trgm's trigrams need three characters, so a search for 义工 or 青 cannot use the trigram
index and reads every name (and the planner misjudges it by 100×); Debian's PostgreSQL ships
no pg_bigm. `hub_grams(text)` gives the single characters and character pairs of the
lower-cased text. The organizations keep them in a stored generated column `name_grams`
(PostgreSQL computes it on every insert and update, COPY and raw SQL included; Django's
model does not declare it, so no form, history trigger or COPY column list sees it) with a
GIN index, and `hubportal.search.holds_short` asks `name_grams @> ARRAY['义工']`.

Measured on 200,000 names: an expression index over `hub_grams(name)` would serve the same
lookup, but the function costs ~35 µs a call and the planner then evaluates it row by row
when it walks the name-order index for a page (0.2–0.8 s); a stored column costs nothing to
read, and ANALYZE gathers its element statistics, so the planner estimates 义工 within a few
per cent (1,993 estimated, 2,047 found) instead of 100×.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION hub_grams(t text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    l text := lower(t);
    n int := char_length(t);
    grams text[] := '{}';
BEGIN
    FOR i IN 1..n LOOP
        grams := grams || substr(l, i, 1);
        IF i < n THEN
            grams := grams || substr(l, i, 2);
        END IF;
    END LOOP;
    RETURN grams;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("hubportal", "0005_job_heartbeat"),
        ("orgs", "0005_directcontact_created_at"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS hub_grams(text);"),
        migrations.RunSQL(
            "ALTER TABLE orgs_organization ADD COLUMN IF NOT EXISTS name_grams text[] "
            "GENERATED ALWAYS AS (hub_grams(name::text)) STORED;",
            "ALTER TABLE orgs_organization DROP COLUMN IF EXISTS name_grams;",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS org_name_grams ON orgs_organization USING gin (name_grams);",
            "DROP INDEX IF EXISTS org_name_grams;",
        ),
    ]
