-- The IIIF Code of Conduct Team exists from the first start, with the Code of Conduct's numbers.
INSERT INTO "teams" ("slug", "name", "policy")
VALUES (
  'coc',
  'IIIF Code of Conduct Team',
  '{"seats": {"consortium": 4, "community": 4}, "termMonths": 24, "callIntervalMonths": 12, "windowDays": 28, "inauguralStagger": true}'::jsonb
)
ON CONFLICT ("slug") DO NOTHING;
