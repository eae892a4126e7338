-- SQLite: records under retention (R32) are never deleted; plan sessions and occupations only
-- while the plan is edited before its results are published (the replaced contents are kept in
-- the `plan.changed` audit event).

CREATE TRIGGER filings_retained BEFORE DELETE ON filings
BEGIN
    SELECT RAISE(ABORT, 'retained record: filings (R32)');
END;
CREATE TRIGGER filing_rounds_retained BEFORE DELETE ON filing_rounds
BEGIN
    SELECT RAISE(ABORT, 'retained record: filing_rounds (R32)');
END;
CREATE TRIGGER attachments_retained BEFORE DELETE ON attachments
BEGIN
    SELECT RAISE(ABORT, 'retained record: attachments (R32)');
END;
CREATE TRIGGER institutions_retained BEFORE DELETE ON institutions
BEGIN
    SELECT RAISE(ABORT, 'retained record: institutions (R32)');
END;
CREATE TRIGGER plans_retained BEFORE DELETE ON plans
BEGIN
    SELECT RAISE(ABORT, 'retained record: plans (R32)');
END;
CREATE TRIGGER candidates_retained BEFORE DELETE ON candidates
BEGIN
    SELECT RAISE(ABORT, 'retained record: candidates (R32)');
END;
CREATE TRIGGER assessment_results_retained BEFORE DELETE ON assessment_results
BEGIN
    SELECT RAISE(ABORT, 'retained record: assessment_results (R32)');
END;
CREATE TRIGGER objections_retained BEFORE DELETE ON objections
BEGIN
    SELECT RAISE(ABORT, 'retained record: objections (R32)');
END;
CREATE TRIGGER plan_reports_retained BEFORE DELETE ON plan_reports
BEGIN
    SELECT RAISE(ABORT, 'retained record: plan_reports (R32)');
END;
CREATE TRIGGER certificates_retained BEFORE DELETE ON certificates
BEGIN
    SELECT RAISE(ABORT, 'retained record: certificates (R32)');
END;
CREATE TRIGGER violations_retained BEFORE DELETE ON violations
BEGIN
    SELECT RAISE(ABORT, 'retained record: violations (R32)');
END;
CREATE TRIGGER complaints_retained BEFORE DELETE ON complaints
BEGIN
    SELECT RAISE(ABORT, 'retained record: complaints (R32)');
END;
CREATE TRIGGER complaint_notes_retained BEFORE DELETE ON complaint_notes
BEGIN
    SELECT RAISE(ABORT, 'retained record: complaint_notes (R32)');
END;
CREATE TRIGGER inspection_tasks_retained BEFORE DELETE ON inspection_tasks
BEGIN
    SELECT RAISE(ABORT, 'retained record: inspection_tasks (R32)');
END;
CREATE TRIGGER inspection_targets_retained BEFORE DELETE ON inspection_targets
BEGIN
    SELECT RAISE(ABORT, 'retained record: inspection_targets (R32)');
END;
CREATE TRIGGER integrity_ratings_retained BEFORE DELETE ON integrity_ratings
BEGIN
    SELECT RAISE(ABORT, 'retained record: integrity_ratings (R32)');
END;
CREATE TRIGGER plan_sessions_retained BEFORE DELETE ON plan_sessions
WHEN (SELECT phase FROM plans WHERE id = OLD.plan_id) <> 'assessment'
BEGIN
    SELECT RAISE(ABORT, 'retained record: plan_sessions (R32)');
END;
CREATE TRIGGER plan_occupations_retained BEFORE DELETE ON plan_occupations
WHEN (SELECT phase FROM plans WHERE id = OLD.plan_id) <> 'assessment'
BEGIN
    SELECT RAISE(ABORT, 'retained record: plan_occupations (R32)');
END;
