import { describe, expect, it } from 'vitest';
import type { SourceSnapshot } from '../../src/core/ports/directory.js';
import { removedPeople } from '../../src/directory/removals.js';

const snapshot = (people: string[], removed: string[] = []): SourceSnapshot => ({
  source: 'slack',
  fetchedAt: new Date('2026-12-06T10:00:00Z'),
  groups: [],
  people: people.map((email) => ({ email, active: true })),
  removed,
});
const found = (...emails: string[]) => emails.map((email) => ({ email, active: true }));

describe('people removed from a pull source', () => {
  it('counts only people the source knew before, keeps them removed while asked, and never a stranger', () => {
    expect(removedPeople('slack', undefined, { found: [], notFound: ['alice@example.com'] }, [])).toEqual([]);
    const before = snapshot(['alice@example.com', 'bob@example.com']);
    expect(
      removedPeople('slack', before, { found: found('alice@example.com'), notFound: ['bob@example.com', 'mallory@example.com'] }, []),
    ).toEqual(['bob@example.com']);
    // Still asked about (an open request not yet closed) and still missing: still removed.
    expect(
      removedPeople('slack', snapshot(['alice@example.com'], ['bob@example.com']), { found: [], notFound: ['bob@example.com'] }, []),
    ).toEqual(['bob@example.com']);
    // Back in the source: no longer removed.
    expect(
      removedPeople('slack', snapshot(['alice@example.com'], ['bob@example.com']), { found: found('bob@example.com'), notFound: [] }, []),
    ).toEqual([]);
  });

  it('refuses to read everyone vanishing at once as leavers (a token for another workspace, a wrong URL)', () => {
    const before = snapshot(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(() => removedPeople('slack', before, { found: [], notFound: ['a@example.com', 'b@example.com', 'c@example.com'] }, [])).toThrow(
      /slack no longer has any of the 3 people it had a refresh ago; not treating them all as leavers/,
    );
    // The group listing still has people the source had: the same workspace, so they really left.
    const withGroup = { ...before, groups: [{ ref: 'slack:@sre', found: true, members: found('carol@example.com') }] };
    const sre = [{ ref: 'slack:@sre', found: true, members: found('carol@example.com') }];
    expect(removedPeople('slack', withGroup, { found: [], notFound: ['a@example.com', 'b@example.com', 'c@example.com'] }, sre)).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
    ]);
    // Two of three leaving while the third is still there is real.
    expect(removedPeople('slack', before, { found: found('c@example.com'), notFound: ['a@example.com', 'b@example.com'] }, [])).toEqual([
      'a@example.com',
      'b@example.com',
    ]);
  });
});
