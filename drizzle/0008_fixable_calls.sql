ALTER TABLE "selections" DROP CONSTRAINT "selections_call_id_unique";--> statement-breakpoint
DROP INDEX "decisions_response_key";--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "term_start_explicit" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "closed_early_from" timestamp(6) with time zone;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "reopened_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "reopened_by" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "reopen_reason" text;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "voided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "void_reason" text;--> statement-breakpoint
ALTER TABLE "selections" ADD COLUMN "superseded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "selections" ADD COLUMN "superseded_by" text;--> statement-breakpoint
ALTER TABLE "selections" ADD COLUMN "superseded_reason" text;--> statement-breakpoint
CREATE UNIQUE INDEX "decisions_selection_response_key" ON "decisions" USING btree ("selection_id","response_id");--> statement-breakpoint
CREATE UNIQUE INDEX "selections_current_call_key" ON "selections" USING btree ("call_id") WHERE "selections"."superseded_at" is null;