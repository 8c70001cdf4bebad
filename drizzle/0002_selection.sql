CREATE TABLE "calls" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"opens_at" timestamp(6) with time zone NOT NULL,
	"closes_at" timestamp(6) with time zone NOT NULL,
	"term_start" timestamp(6) with time zone NOT NULL,
	"seats" jsonb,
	"closed_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"selection_id" uuid NOT NULL,
	"response_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"outcome" text NOT NULL,
	"seat" text,
	"reason" text,
	"institution" text,
	"institution_key" text,
	"term_start" text,
	"term_end" text,
	"explanation" text NOT NULL,
	CONSTRAINT "decisions_selection_id_position_pk" PRIMARY KEY("selection_id","position")
);
--> statement-breakpoint
CREATE TABLE "institution_names" (
	"normalised" text PRIMARY KEY NOT NULL,
	"institution_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "institutions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"aliases" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"consortium" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"team_id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"institution_id" uuid,
	"institution_text" text,
	"seat" text NOT NULL,
	"term_start" timestamp(6) with time zone NOT NULL,
	"term_end" timestamp(6) with time zone,
	"ended_at" timestamp(6) with time zone,
	"origin" text NOT NULL,
	"call_id" uuid,
	"response_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "responses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"call_id" uuid NOT NULL,
	"external_id" text,
	"ingest_seq" integer NOT NULL,
	"submitted_at" text NOT NULL,
	"submitted_at_ts" timestamp(6) with time zone NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"institution" text,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "selections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"call_id" uuid NOT NULL,
	"input_digest" text NOT NULL,
	"seats" jsonb NOT NULL,
	"shortfall" jsonb NOT NULL,
	"inaugural" boolean NOT NULL,
	"slots" jsonb NOT NULL,
	"warnings" jsonb NOT NULL,
	"closed_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "selections_call_id_unique" UNIQUE("call_id")
);
--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_selection_id_selections_id_fk" FOREIGN KEY ("selection_id") REFERENCES "public"."selections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_response_id_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "institution_names" ADD CONSTRAINT "institution_names_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_institution_id_institutions_id_fk" FOREIGN KEY ("institution_id") REFERENCES "public"."institutions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "members" ADD CONSTRAINT "members_response_id_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "selections" ADD CONSTRAINT "selections_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calls_team_opens_idx" ON "calls" USING btree ("team_id","opens_at");--> statement-breakpoint
CREATE UNIQUE INDEX "decisions_response_key" ON "decisions" USING btree ("response_id");--> statement-breakpoint
CREATE INDEX "members_team_idx" ON "members" USING btree ("team_id","term_start");--> statement-breakpoint
CREATE UNIQUE INDEX "responses_call_external_key" ON "responses" USING btree ("call_id","external_id") WHERE "responses"."external_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "responses_call_seq_key" ON "responses" USING btree ("call_id","ingest_seq");--> statement-breakpoint
CREATE INDEX "responses_call_order_idx" ON "responses" USING btree ("call_id","submitted_at","ingest_seq");