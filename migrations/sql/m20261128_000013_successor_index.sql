-- Public verification of a superseded certificate names its successor in the same statement:
-- the successor is found through this index instead of a scan of every certificate.
CREATE INDEX certificates_supersedes_idx ON certificates (supersedes_id) WHERE supersedes_id IS NOT NULL;
