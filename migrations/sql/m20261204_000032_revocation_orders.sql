-- Issue 26, point 5: the bureau or the centre orders a certificate revoked (for example after an
-- inspection finds fraud, or a complaint is upheld), with a reason and a reference to the
-- inspection task or the complaint. Who ordered it is kept with the certificate: its institution
-- sees it, and the national platform is told (outbox). A revocation by the institution itself
-- leaves these NULL.
ALTER TABLE certificates ADD COLUMN revoked_by uuid NULL CONSTRAINT certificates_revoked_by_fkey REFERENCES users (id);
ALTER TABLE certificates ADD COLUMN revocation_ordered_by text NULL
    CONSTRAINT certificates_revocation_ordered_by_check CHECK (revocation_ordered_by IN ('bureau', 'centre'));
ALTER TABLE certificates ADD COLUMN revocation_inspection_task_id uuid NULL
    CONSTRAINT certificates_revocation_task_fkey REFERENCES inspection_tasks (id);
ALTER TABLE certificates ADD COLUMN revocation_complaint_id uuid NULL
    CONSTRAINT certificates_revocation_complaint_fkey REFERENCES complaints (id);
