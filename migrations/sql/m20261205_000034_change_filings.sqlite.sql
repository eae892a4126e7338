-- A change filing names the institution it changes, as a renewal does. SQLite cannot alter a
-- table constraint; widening a CHECK that every row already meets is done, as SQLite's own
-- documentation describes (ALTER TABLE, "making other kinds of table schema changes"), by
-- rewriting the table's definition and moving the schema version on, inside this migration's
-- transaction. The migration runner puts the next schema version in place of the placeholder;
-- tests/tests/change_filing.rs writes such filings on both backends.
PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = replace(replace(sql,
    'CONSTRAINT filings_kind_check CHECK (kind IN (''initial'', ''renewal''))',
    'CONSTRAINT filings_kind_check CHECK (kind IN (''initial'', ''renewal'', ''change''))'),
    'CONSTRAINT filings_renewal_check CHECK ((kind = ''renewal'') = (institution_id IS NOT NULL))',
    'CONSTRAINT filings_renewal_check CHECK ((kind IN (''renewal'', ''change'')) = (institution_id IS NOT NULL))')
WHERE type = 'table' AND name = 'filings';
PRAGMA schema_version = @NEXT_SCHEMA_VERSION@;
PRAGMA writable_schema = OFF;
