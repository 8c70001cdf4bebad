CREATE TABLE "proposals" (
	"selection_id" uuid NOT NULL,
	"response_id" uuid NOT NULL,
	"seat" text NOT NULL,
	"slot" integer,
	"term_start" timestamp(6) with time zone NOT NULL,
	"term_end" timestamp(6) with time zone NOT NULL,
	"status" text NOT NULL,
	"replaces_response_id" uuid,
	"created_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"reason" text,
	"member_id" uuid,
	CONSTRAINT "proposals_selection_id_response_id_pk" PRIMARY KEY("selection_id","response_id")
);
--> statement-breakpoint
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_selection_id_selections_id_fk" FOREIGN KEY ("selection_id") REFERENCES "public"."selections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_response_id_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_replaces_response_id_responses_id_fk" FOREIGN KEY ("replaces_response_id") REFERENCES "public"."responses"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "proposals" ADD CONSTRAINT "proposals_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;