import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

/** Fastify's default longest path parameter (find-my-way `maxParamLength`). */
const MAX_PARAM_LENGTH = 100

/**
 * Errors fastify raises while routing, before any route or error handler runs (a URL whose
 * percent-encoding is not UTF-8, such as `%ED%A0%80`; a path parameter over 100 characters), in
 * rota's one error shape instead of fastify's own. Passed as the `frameworkErrors` server option.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    reply.status(400).send({
      error: { code: 'invalid-url', message: 'The URL has a percent-encoded sequence that is not valid UTF-8 text' },
    })
    return
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.status(414).send({
      error: {
        code: 'path-parameter-too-long',
        message: `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`,
      },
    })
    return
  }
  request.log.error({ err: error }, 'request failed while routing')
  reply
    .status(500)
    .send({ error: { code: 'internal-error', message: 'Something went wrong on our side; it has been logged.' } })
}
