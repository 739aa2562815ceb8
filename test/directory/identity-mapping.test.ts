import { afterEach, describe, expect, it } from 'vitest';
import type { Directory } from '../../src/core/ports/directory.js';
import { cardText, PEOPLE } from '../chat/teams/fixtures.js';
import { attachedCard, createTeamsFlow, type TeamsFlow } from '../chat/teams/setup.js';

/** A configured directory (as Entra would resolve it) that knows Alice by her object id under her directory address. */
function entraLike(): Directory {
  const people = new Map([['alice.directory@example.com', { email: 'alice.directory@example.com', active: true, team: 'Payments' }]]);
  return {
    configured: true,
    person: (email) => people.get(email),
    lookup: async (email) => {
      const person = people.get(email);
      return person ? { status: 'found', person } : { status: 'unknown' };
    },
    emailOfObjectId: (id) => (id === PEOPLE.alice.aadObjectId ? 'alice.directory@example.com' : undefined),
  };
}

describe('identity mapping: Teams users matched to directory people by object id', () => {
  let f: TeamsFlow | undefined;
  afterEach(async () => f?.close());

  it('acts for the directory person behind the AAD object id, and refuses (and audits) an unmatched Teams user', async () => {
    f = await createTeamsFlow('pglite');
    f.h.deps.directory = entraLike();
    const submitted = await f.say(PEOPLE.alice, 'access demo-db 15m read checking replication lag INC-42');
    expect(cardText(attachedCard(submitted[0]))).toMatch(/KC-1 pending/);
    expect((await f.h.deps.store.getRequestByNumber(1))?.requester).toBe('alice.directory@example.com');

    const refused = await f.say(PEOPLE.erin, 'access demo-db 15m read checking replication lag INC-42');
    expect(cardText(attachedCard(refused[0]))).toContain('cannot match your chat account (erin@example.com)');
    const audit = await f.h.deps.store.readAudit({});
    expect(audit.filter((e) => e.action === 'identity.refused').map((e) => [e.actor, e.details])).toEqual([
      ['erin@example.com', { code: 'unknown_person', attempted: 'request' }],
    ]);
  });
});
