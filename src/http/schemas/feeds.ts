import { Type } from '@sinclair/typebox'
import { Roster } from './members.js'

/** Where the roster's JSON Schema is served, and its version (the number in its name). */
export const ROSTER_SCHEMA_PATH = '/schemas/roster-v1.json'
export const ROSTER_SCHEMA_VERSION = 1

/**
 * `roster.json`: the roster with a marker of its schema. Version 1 promises these fields and types;
 * fields may be added within it (so do not refuse unknown ones), and anything removed or changed
 * makes a version 2, served beside it.
 */
export const RosterFeed = Type.Object({
  $schema: Type.String({ description: `Where this document's JSON Schema is: ${ROSTER_SCHEMA_PATH}.` }),
  version: Type.Literal(ROSTER_SCHEMA_VERSION, { description: 'The schema version.' }),
  ...Roster.properties,
})

/** The JSON Schema document served at ROSTER_SCHEMA_PATH (draft-07, as most validators read it). */
export function rosterJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(RosterFeed)) as Record<string, unknown>
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'urn:rota:schema:roster-v1',
    title: 'rota roster, version 1',
    description:
      'A team at an instant, as GET /teams/{team}/roster.json serves it: public fields only (names, institutions, seats, terms; never an email). Fields may be added within version 1; removing or changing one makes version 2.',
    ...plain,
  }
}
