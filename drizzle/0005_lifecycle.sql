CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"message_id" text NOT NULL,
	"to_address" text,
	"to_name" text,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"claimed_at" timestamp with time zone,
	"last_error" text,
	"provider_id" text,
	"call_id" uuid,
	"member_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"team_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "templates_team_id_kind_pk" PRIMARY KEY("team_id","kind")
);
--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "opened_at" timestamp(6) with time zone;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "reminded_at" timestamp(6) with time zone;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "origin" text DEFAULT 'staff' NOT NULL;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "planned_opens_at" timestamp(6) with time zone;--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "mailing_list" text;--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "staff_email" text;--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "form_url" text;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_key_key" ON "outbox" USING btree ("key");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_message_id_key" ON "outbox" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "outbox_status_idx" ON "outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "outbox_created_idx" ON "outbox" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "calls_team_planned_key" ON "calls" USING btree ("team_id","planned_opens_at") WHERE "calls"."planned_opens_at" is not null;--> statement-breakpoint
-- Teams made before the tick existed get its policy defaults (keys already present win).
UPDATE "teams" SET "policy" = '{"reminderDays": 7, "autoScheduleDays": 60, "termNoticeDays": 30}'::jsonb || "policy";--> statement-breakpoint
-- Calls already closed or cancelled are history: nothing to announce or remind about them.
UPDATE "calls" SET "opened_at" = "opens_at" WHERE "closed_at" IS NOT NULL OR "cancelled_at" IS NOT NULL;--> statement-breakpoint
UPDATE "calls" SET "reminded_at" = "closes_at" WHERE "closed_at" IS NOT NULL OR "cancelled_at" IS NOT NULL;
