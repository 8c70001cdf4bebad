/** The baseline of the roster benchmark: a bare fastify app answering a constant JSON route. */
import Fastify from 'fastify'

const app = Fastify({ logger: false })
const body = { team: 'coc', members: [{ id: 'x', name: 'Constant', seat: 'staff' }], vacancies: { consortium: 0, community: 0 } }
app.get('/healthz', async () => ({ status: 'ok' }))
app.get('/constant', async () => body)
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
