-- A change filing names the institution it changes, as a renewal does.
ALTER TABLE filings DROP CONSTRAINT filings_kind_check;
ALTER TABLE filings ADD CONSTRAINT filings_kind_check CHECK (kind IN ('initial', 'renewal', 'change'));
ALTER TABLE filings DROP CONSTRAINT filings_renewal_check;
ALTER TABLE filings ADD CONSTRAINT filings_renewal_check CHECK ((kind IN ('renewal', 'change')) = (institution_id IS NOT NULL));
