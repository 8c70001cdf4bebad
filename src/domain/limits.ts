/**
 * How much one import may carry, whatever its format (JSON batch, CSV export, Google Forms sync):
 * the HTTP schemas and the CSV parser read these, so the limits cannot drift apart.
 */
export const IMPORT_LIMITS = {
  /** Responses in one batch: a real call has tens; this leaves room for a community's whole history. */
  maxResponses: 50_000,
  maxNameLength: 300,
  maxEmailLength: 320,
  maxInstitutionLength: 300,
  maxExternalIdLength: 200,
} as const
