ALTER TABLE "members" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
-- Teams made before retention existed get its defaults (a retention already present wins).
UPDATE "teams" SET "policy" = '{"retention": {"applicantsMonths": 12, "membersMonthsAfterTerm": 24, "mailMonths": 6}}'::jsonb || "policy";
