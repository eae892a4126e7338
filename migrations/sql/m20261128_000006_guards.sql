-- One open filing application per school, also when two requests race (PostgreSQL replicas).
CREATE UNIQUE INDEX filings_one_open_per_school ON filings (school_id) WHERE status NOT IN ('approved', 'rejected');
