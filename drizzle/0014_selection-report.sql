CREATE TABLE "deployment_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "selections" ADD COLUMN "report" jsonb;--> statement-breakpoint
ALTER TABLE "selections" ADD COLUMN "published_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "selections" ADD COLUMN "published_by" text;