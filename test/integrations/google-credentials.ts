import t from 'tap'
import { build } from '../helpers/build.js'

// What staff see when rota cannot authenticate to Google at all: a coded error saying what to set.
t.test('no credentials configured', async (t) => {
  const { app, staff } = await build(t)
  const call = (
    await app.inject({
      method: 'POST',
      url: '/teams/coc/calls',
      headers: staff,
      payload: { opensAt: '2026-02-01T00:00:00Z' },
    })
  ).json()
  const res = await app.inject({
    method: 'PUT',
    url: `/calls/${call.id}/form`,
    headers: staff,
    payload: { formId: 'f', questions: { name: 'Name', institution: 'Institution' } },
  })
  t.equal(res.statusCode, 502)
  t.equal(res.json().error.code, 'google-auth')
  t.match(res.json().error.message, /GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_CREDENTIALS_JSON/)
})

t.test('a key file that cannot be read', async (t) => {
  const { app, staff } = await build(t, { GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/rota-key.json' })
  const call = (
    await app.inject({
      method: 'POST',
      url: '/teams/coc/calls',
      headers: staff,
      payload: { opensAt: '2026-02-01T00:00:00Z' },
    })
  ).json()
  const res = await app.inject({ method: 'POST', url: `/calls/${call.id}/sync`, headers: staff })
  t.equal(res.statusCode, 404, 'no form linked yet: nothing to sync')
  t.equal(res.json().error.code, 'no-form-linked')
  const link = await app.inject({
    method: 'PUT',
    url: `/calls/${call.id}/form`,
    headers: staff,
    payload: { formId: 'f', questions: { name: 'Name', institution: 'Institution' } },
  })
  t.equal(link.statusCode, 502)
  t.equal(link.json().error.code, 'google-auth')
  t.match(link.json().error.message, /rota-key\.json/)
})
