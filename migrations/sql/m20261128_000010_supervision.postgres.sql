-- PostgreSQL: records under retention (R32) are never deleted; plan sessions and occupations only
-- while the plan is edited before its results are published (the replaced contents are kept in
-- the `plan.changed` audit event).
CREATE FUNCTION refuse_delete_retained() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'retained record: % (R32)', TG_TABLE_NAME;
END
$$;
CREATE FUNCTION refuse_delete_filed_plan_part() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT phase FROM plans WHERE id = OLD.plan_id) <> 'assessment' THEN
        RAISE EXCEPTION 'retained record: % (R32)', TG_TABLE_NAME;
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER filings_retained BEFORE DELETE ON filings FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER filing_rounds_retained BEFORE DELETE ON filing_rounds FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER attachments_retained BEFORE DELETE ON attachments FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER institutions_retained BEFORE DELETE ON institutions FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER plans_retained BEFORE DELETE ON plans FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER candidates_retained BEFORE DELETE ON candidates FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER assessment_results_retained BEFORE DELETE ON assessment_results FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER objections_retained BEFORE DELETE ON objections FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER plan_reports_retained BEFORE DELETE ON plan_reports FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER certificates_retained BEFORE DELETE ON certificates FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER violations_retained BEFORE DELETE ON violations FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER complaints_retained BEFORE DELETE ON complaints FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER complaint_notes_retained BEFORE DELETE ON complaint_notes FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER inspection_tasks_retained BEFORE DELETE ON inspection_tasks FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER inspection_targets_retained BEFORE DELETE ON inspection_targets FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER integrity_ratings_retained BEFORE DELETE ON integrity_ratings FOR EACH ROW EXECUTE FUNCTION refuse_delete_retained();
CREATE TRIGGER plan_sessions_retained BEFORE DELETE ON plan_sessions FOR EACH ROW EXECUTE FUNCTION refuse_delete_filed_plan_part();
CREATE TRIGGER plan_occupations_retained BEFORE DELETE ON plan_occupations FOR EACH ROW EXECUTE FUNCTION refuse_delete_filed_plan_part();
