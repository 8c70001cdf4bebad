import type { Readable } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  bodyTooLarge,
  CsvImportError,
  readCsvStream,
  type CsvOptions,
  type CsvRecords,
} from '../../integrations/csv.js'
import type { Deps } from '../../deps.js'
import * as calls from '../../services/calls.js'
import * as responses from '../../services/responses.js'
import * as selection from '../../services/selection.js'
import * as forms from '../../services/forms.js'
import * as reopen from '../../services/reopen.js'
import { readJsonResponses } from '../../services/json-responses.js'
import { AppError } from '../../errors.js'
import { errors, staffOnly } from '../schemas/common.js'
import { TeamParams } from '../schemas/teams.js'
import {
  Call,
  CallList,
  CallParams,
  CallPatch,
  CloseBody,
  CsvBody,
  FormLink,
  FormLinkBody,
  ImportBatchList,
  ImportCounts,
  ImportParams,
  ImportQuery,
  ImportRemoval,
  JsonBatch,
  NewCall,
  RemovalBody,
  ReopenBody,
  ReopenResult,
  ResponseList,
  ResponseListQuery,
  ResponseParams,
  Selection,
  StoredResponse,
  SyncResult,
} from '../schemas/calls.js'

/** The largest import body, JSON or CSV: 50,000 responses of a real form fit with room to spare. */
export const IMPORT_BODY_LIMIT = 32 * 1024 * 1024

export function callRoutes(deps: Deps): FastifyPluginAsyncTypebox {
  const { db } = deps.database
  return async (app) => {
    // A Google Forms export arrives as text/csv. It is read as it streams in, so a file over the
    // limits (too many rows, a cell too long, more bytes than the route's bodyLimit) is refused at
    // its first offending row, unparsed beyond it. The records read (or the refusal) are handed to
    // the handler here; the body itself is left empty (the schema documents the CSV text).
    const csvUploads = new WeakMap<object, CsvRecords | CsvImportError>()
    app.addContentTypeParser('text/csv', async (request: FastifyRequest, payload: Readable) => {
      const maxBytes = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? IMPORT_BODY_LIMIT
      if (Number(request.headers['content-length']) > maxBytes) throw bodyTooLarge(maxBytes)
      try {
        csvUploads.set(request, await readCsvStream(payload, maxBytes))
      } catch (error) {
        // Too big, or a broken stream: fastify answers and closes the connection.
        if (!(error instanceof CsvImportError)) throw error
        // Answered by the handler, on a connection left open: a client still sending the rest of the
        // file can read the refusal (and stop), instead of finding the connection closed under it.
        csvUploads.set(request, error)
      }
      return ''
    })
    /** The responses in the CSV upload read above; its records are let go once read. */
    async function readCsvUpload(request: FastifyRequest, body: string, options: CsvOptions) {
      const upload = csvUploads.get(request)
      csvUploads.delete(request)
      if (upload instanceof CsvImportError) throw upload
      return responses.readCsvBatch(upload ?? body, options)
    }

    app.post(
      '/teams/:team/calls',
      {
        schema: {
          tags: ['calls'],
          summary: 'Create a call for volunteers',
          security: staffOnly,
          params: TeamParams,
          body: NewCall,
          response: { 201: Call, ...errors(400, 401, 404, 409) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(
            await calls.createCall(
              db,
              request.params.team,
              { ...request.body, seats: request.body.seats ?? undefined },
              deps.clock(),
              request.staff?.name ?? 'staff',
            ),
          ),
    )

    app.get(
      '/teams/:team/calls',
      {
        schema: {
          tags: ['calls'],
          summary: "A team's calls, by opening time",
          params: TeamParams,
          response: { 200: CallList, ...errors(404) },
        },
      },
      async (request) => ({ calls: await calls.listCalls(db, request.params.team, deps.clock()) }),
    )

    app.get(
      '/calls/:id',
      {
        schema: {
          tags: ['calls'],
          summary: 'A call and its status',
          params: CallParams,
          response: { 200: Call, ...errors(404) },
        },
      },
      async (request) => calls.getCall(db, request.params.id, deps.clock()),
    )

    app.patch(
      '/calls/:id',
      {
        schema: {
          tags: ['calls'],
          summary: 'Change a call that has not been announced yet (window, term start, seats)',
          description:
            'For a call rota scheduled on the cadence, or any call the tick has not announced while open (a call created after the fact, say): the window may move anywhere, past included, that overlaps no other call. Moving opensAt alone keeps the window length; a termStart left to its default follows the window, one set by staff stays.',
          security: staffOnly,
          params: CallParams,
          body: CallPatch,
          response: { 200: Call, ...errors(400, 401, 404, 409) },
        },
      },
      async (request) =>
        calls.editCall(db, request.params.id, request.body, deps.clock(), request.staff?.name ?? 'staff'),
    )

    app.post(
      '/calls/:id/cancel',
      {
        schema: {
          tags: ['calls'],
          summary: 'Cancel a call that has no selection yet',
          description:
            'A cancelled call takes no responses and is never announced or closed; a call rota scheduled on the cadence is not created again.',
          security: staffOnly,
          params: CallParams,
          response: { 200: Call, ...errors(401, 404, 409) },
        },
      },
      async (request) => calls.cancelCall(db, request.params.id, deps.clock(), request.staff?.name ?? 'staff'),
    )

    app.post(
      '/calls/:id/responses',
      {
        // A call's whole export in one request: 50,000 responses fit (JSON or CSV).
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags: ['calls'],
          summary: 'Import responses (JSON batch or Google Forms CSV export); all or nothing',
          description:
            'Upserts by externalId, or by email + submittedAt when there is none, and records the import as a batch (GET/DELETE /calls/{id}/imports). CSV timestamps without an offset need ?timezone= (an IANA zone), and ambiguous day/month orders ?dateOrder=; a file without an institution column needs ?institution=none, headings worded otherwise ?columns=. With ?dryRun=true the import runs and is rolled back: the answer is the same, plus the first-come order, and nothing is stored. Errors name the index or CSV line.',
          security: staffOnly,
          params: CallParams,
          querystring: ImportQuery,
          body: { content: { 'application/json': { schema: JsonBatch }, 'text/csv': { schema: CsvBody } } },
          response: { 200: ImportCounts, ...errors(400, 401, 404, 409, 413, 415) },
        },
      },
      async (request) => {
        const body = request.body as string | { responses: responses.JsonResponse[] } | undefined
        if (body === undefined || body === null) {
          // Without a Content-Type no body schema applies, so an empty request gets here.
          throw new AppError(
            'invalid',
            'missing-body',
            'Send the responses as JSON ({ "responses": [...] }) or as a Google Forms CSV export (Content-Type: text/csv)',
          )
        }
        const { dryRun, ...reading } = request.query
        const batch =
          typeof body === 'string'
            ? { incoming: await readCsvUpload(request, body, reading), source: 'csv' as const }
            : { incoming: readJsonResponses(body.responses), source: 'json' as const }
        return responses.importResponses(db, request.params.id, batch.incoming, batch.source, deps.clock(), {
          dryRun: dryRun === true,
          by: request.staff?.name ?? 'staff',
          reading: batch.source === 'csv' ? reading : {},
          acknowledge: { mailFrom: deps.config.mail.from, publicUrl: deps.config.publicUrl },
        })
      },
    )

    app.get(
      '/calls/:id/responses',
      {
        schema: {
          tags: ['calls'],
          summary: "A call's responses in first-come order (with emails); ?removed=true: those staff removed",
          security: staffOnly,
          params: CallParams,
          querystring: ResponseListQuery,
          response: { 200: ResponseList, ...errors(400, 401, 404) },
        },
      },
      async (request) => ({
        responses: await responses.listResponses(db, request.params.id, { removed: request.query.removed === true }),
      }),
    )

    app.delete(
      '/calls/:id/responses/:responseId',
      {
        schema: {
          tags: ['calls'],
          summary: 'Remove one response before the close, with a reason',
          description:
            'The response is kept, marked removed with who, when and why (GET /calls/{id}/responses?removed=true), and no longer counts in the preview or the close. It stays removed when a later import or Google Forms sync holds it again. Refused (409) once the call is closed or cancelled.',
          security: staffOnly,
          params: ResponseParams,
          body: RemovalBody,
          response: { 200: StoredResponse, ...errors(400, 401, 404, 409) },
        },
      },
      async (request) =>
        responses.removeResponse(
          db,
          request.params.id,
          request.params.responseId,
          { reason: request.body.reason, by: request.staff?.name ?? 'staff' },
          deps.clock(),
        ),
    )

    app.get(
      '/calls/:id/imports',
      {
        schema: {
          tags: ['calls'],
          summary: "A call's imports (JSON, CSV, Google Forms syncs that changed something), oldest first",
          security: staffOnly,
          params: CallParams,
          response: { 200: ImportBatchList, ...errors(401, 404) },
        },
      },
      async (request) => ({ imports: await responses.listBatches(db, request.params.id) }),
    )

    app.delete(
      '/calls/:id/imports/:batch',
      {
        schema: {
          tags: ['calls'],
          summary: 'Remove what one import inserted, before the close, with a reason',
          description:
            'The responses the import inserted are kept, marked removed with the reason, and no longer count; importing them again (a corrected file) inserts them anew. Responses the import only updated keep their updated answers. Refused (409) once the call is closed or cancelled.',
          security: staffOnly,
          params: ImportParams,
          body: RemovalBody,
          response: { 200: ImportRemoval, ...errors(400, 401, 404, 409) },
        },
      },
      async (request) =>
        responses.removeBatch(
          db,
          request.params.id,
          request.params.batch,
          { reason: request.body.reason, by: request.staff?.name ?? 'staff' },
          deps.clock(),
        ),
    )

    app.get(
      '/calls/:id/selection',
      {
        schema: {
          tags: ['calls'],
          summary: 'The final selection once closed; before that a preview of its whole window [opensAt, closesAt)',
          security: staffOnly,
          params: CallParams,
          response: { 200: Selection, ...errors(401, 404) },
        },
      },
      async (request) => selection.getSelection(db, request.params.id, deps.clock()),
    )

    app.put(
      '/calls/:id/form',
      {
        schema: {
          tags: ['calls'],
          summary: 'Link the call to a Google Form and map its questions',
          description:
            'rota reads the form (forms.get) and maps each title to its question id; a title matching no question, or several, is a 422 naming it.',
          security: staffOnly,
          params: CallParams,
          body: FormLinkBody,
          response: { 200: FormLink, ...errors(400, 401, 404, 422, 502) },
        },
      },
      async (request) =>
        forms.linkForm(db, deps.forms, request.params.id, request.body, deps.clock(), request.staff?.name ?? 'staff'),
    )

    app.get(
      '/calls/:id/form',
      {
        schema: {
          tags: ['calls'],
          summary: "The call's linked Google Form and question mapping",
          security: staffOnly,
          params: CallParams,
          response: { 200: FormLink, ...errors(401, 404) },
        },
      },
      async (request) => forms.getFormLink(db, request.params.id),
    )

    app.post(
      '/calls/:id/sync',
      {
        schema: {
          tags: ['calls'],
          summary: "Read every response of the call's Google Form now (upsert by responseId, all or nothing)",
          security: staffOnly,
          params: CallParams,
          response: { 200: SyncResult, ...errors(401, 404, 409, 422, 502) },
        },
      },
      async (request) =>
        forms.syncCall(db, deps.forms, request.params.id, deps.clock(), request.staff?.name ?? 'staff', {
          mailFrom: deps.config.mail.from,
          publicUrl: deps.config.publicUrl,
        }),
    )

    app.post(
      '/calls/:id/close',
      {
        schema: {
          tags: ['calls'],
          summary: 'Close a call and make its selection final',
          description:
            'Refused before closesAt unless { "early": true }. A call with a linked Google Form is synced once more first. Creates a team member for each selected volunteer, whose term starts at the call’s termStart (after an early close still the original closesAt: the roster lists them under incoming until then) unless termStart is sent. A close can be undone with POST /calls/{id}/reopen.',
          security: staffOnly,
          params: CallParams,
          body: CloseBody,
          response: { 200: Selection, ...errors(400, 401, 404, 409, 422, 502) },
        },
        // A close with no body at all is a plain close.
        preValidation: async (request) => {
          request.body ??= {}
        },
      },
      async (request) =>
        forms.closeCallAfterSync(
          db,
          deps.forms,
          request.params.id,
          {
            early: request.body.early ?? false,
            staff: request.staff?.name ?? 'staff',
            mailFrom: deps.config.mail.from,
            publicUrl: deps.config.publicUrl,
            ...(request.body.termStart !== undefined ? { termStart: request.body.termStart } : {}),
            startTermsAtClose: request.body.startTermsAtClose ?? false,
          },
          deps.clock,
        ),
    )

    app.post(
      '/calls/:id/reopen',
      {
        schema: {
          tags: ['calls'],
          summary: 'Undo a close: the call is open or due again, its selection kept as superseded history',
          description:
            'Allowed while no later call of the team has closed, none of the members the close made has stepped down or been replaced, and nobody appointed into its empty seats still holds one (409 with the reason otherwise); the terms may have started. Removes the members the close made (kept on record as voided), cancels its emails not sent yet (marked skipped) and lists those already sent.',
          security: staffOnly,
          params: CallParams,
          body: ReopenBody,
          response: { 200: ReopenResult, ...errors(400, 401, 404, 409) },
        },
      },
      async (request) =>
        reopen.reopenCall(db, request.params.id, request.body, request.staff?.name ?? 'staff', deps.clock()),
    )
  }
}
