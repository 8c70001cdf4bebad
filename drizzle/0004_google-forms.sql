CREATE TABLE "call_forms" (
	"call_id" uuid PRIMARY KEY NOT NULL,
	"form_id" text NOT NULL,
	"questions" jsonb NOT NULL,
	"question_ids" jsonb NOT NULL,
	"form_title" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "last_submitted_at" text;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "first_seen" jsonb;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "deleted_upstream_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "call_forms" ADD CONSTRAINT "call_forms_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;