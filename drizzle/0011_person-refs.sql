CREATE TABLE "person_refs" (
	"ref" text PRIMARY KEY NOT NULL,
	"email_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"erased_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "person_refs_email_key_key" ON "person_refs" USING btree ("email_key");