ALTER TABLE "institutions" ADD COLUMN "flags" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
-- Custom SQL: every team's policy in the seat-class shape (src/domain/policy.ts). The old
-- `seats: { consortium, community }` becomes the IIIF 2017 classes with the same counts, one seat per
-- institution, no flag caps; `inauguralStagger` true/false becomes `stagger` halves/none. Lossless:
-- `legacySeatsOf` reads the old fields back. Policies already in the new shape are left alone.
-- Seat counts stored elsewhere (calls.seats, selections.seats/shortfall) are already maps of the
-- default class names, and old reports keep their format (rota-selection-report/1): no change.
UPDATE "teams" SET "policy" = ("policy" - 'seats' - 'inauguralStagger') || jsonb_build_object(
  'seats', jsonb_build_array(
    jsonb_build_object('class', 'consortium', 'count', ("policy"->'seats'->>'consortium')::int,
      'eligible', jsonb_build_object('institutionFlag', 'consortium')),
    jsonb_build_object('class', 'community', 'count', ("policy"->'seats'->>'community')::int,
      'eligible', jsonb_build_object('not', jsonb_build_object('institutionFlag', 'consortium')))
  ),
  'maxPerInstitution', 1,
  'flagCaps', '[]'::jsonb,
  'stagger', CASE WHEN coalesce(("policy"->>'inauguralStagger')::boolean, true) THEN 'halves' ELSE 'none' END
)
WHERE jsonb_typeof("policy"->'seats') = 'object';
