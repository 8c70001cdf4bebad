CREATE TABLE "import_batches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" integer GENERATED ALWAYS AS IDENTITY (sequence name "import_batches_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"call_id" uuid NOT NULL,
	"source" text NOT NULL,
	"imported_by" text NOT NULL,
	"counts" jsonb NOT NULL,
	"options" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"removed_at" timestamp with time zone,
	"removed_by" text,
	"removal_reason" text
);
--> statement-breakpoint
DROP INDEX "responses_call_external_key";--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "batch_id" uuid;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "removed_by" text;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "removal_reason" text;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "removed_with_batch" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "import_batches" ADD CONSTRAINT "import_batches_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_batches_call_idx" ON "import_batches" USING btree ("call_id","created_at");--> statement-breakpoint
ALTER TABLE "responses" ADD CONSTRAINT "responses_batch_id_import_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."import_batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "responses_batch_idx" ON "responses" USING btree ("batch_id");--> statement-breakpoint
CREATE UNIQUE INDEX "responses_call_external_key" ON "responses" USING btree ("call_id","external_id") WHERE "responses"."external_id" is not null and "responses"."removed_at" is null;