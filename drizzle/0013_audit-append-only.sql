-- Tokens made before roles existed could do everything: they become admin, so that no deployment
-- loses what it could do (see README, "Staff tokens"). Tokens made from now on name their role.
UPDATE "staff_tokens" SET "role" = 'admin';--> statement-breakpoint
-- The audit log is append-only: no route changes it, and the database refuses to, for any role
-- without the rights to drop this trigger.
CREATE FUNCTION "audit_log_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_log"
  FOR EACH ROW EXECUTE FUNCTION "audit_log_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_refuse_change"();
