import t from 'tap'
import { openTestDatabase } from '../helpers/database.js'
import { findPersonRef, forgetPersonRef, personRef } from '../../src/db/queries/person-refs.js'
import { isPersonRef } from '../../src/domain/person-ref.js'

t.test('one stable reference per email address, which erasure unlinks', async (t) => {
  const { db } = await openTestDatabase(t)
  const ref = await personRef(db, 'Ada@Example.org')
  t.ok(isPersonRef(ref), `an opaque reference (${ref})`)
  t.notMatch(ref, /ada|example/i, 'the reference says nothing about the address')
  t.equal(await personRef(db, ' ada@example.ORG '), ref, 'the same person, however the address is cased')
  const concurrent = await Promise.all([1, 2, 3, 4].map(() => personRef(db, 'grace@example.org')))
  t.equal(new Set(concurrent).size, 1, 'concurrent first uses agree on one reference')
  t.not(concurrent[0], ref, 'another person, another reference')

  t.equal(await findPersonRef(db, 'ada@example.org'), ref)
  t.ok(await forgetPersonRef(db, ref, new Date('2027-01-01T00:00:00Z')))
  t.equal(await findPersonRef(db, 'ada@example.org'), null, 'after erasure the address finds nothing')
  t.notOk(await forgetPersonRef(db, ref, new Date('2027-01-02T00:00:00Z')), 'erasing twice changes nothing')
  const again = await personRef(db, 'ada@example.org')
  t.not(again, ref, 'a person who comes back after erasure gets a new reference, unlinked to the old one')
})
