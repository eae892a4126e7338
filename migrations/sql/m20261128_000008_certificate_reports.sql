-- Reporting a batch's certificate data to the centre (R30).
ALTER TABLE plans ADD COLUMN certificates_reported_at timestamptz NULL;
ALTER TABLE plans ADD COLUMN certificates_acknowledged_at timestamptz NULL;
