ALTER TABLE "members" ADD COLUMN "slot" integer;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "end_reason" text;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "override" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "members" ADD COLUMN "replaces_member_id" uuid;