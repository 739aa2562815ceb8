import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { explainRisk } from '../../src/core/lifecycle/queries.js';
import { submitRequest } from '../../src/core/lifecycle/submit.js';
import { storeKinds } from '../helpers/db.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const ALICE = 'alice@example.com';

/**
 * A hand-typed incident key (/access --incident, a form's incident field) must match incidents.keyPattern:
 * any word would otherwise be stored, upper-cased, as the incident the request is about.
 */
describe.each(storeKinds())('an incident key that is not one, on %s', (kind) => {
  let h: Harness;
  afterEach(async () => h?.close());

  it('is refused by /access --incident, naming the pattern, and nothing is created', async () => {
    h = await createHarness(kind);
    const reply = await handleCommand(h.deps, {
      actor: ALICE,
      text: '/access demo-db 15m read checking lag --incident notakey',
      origin: { platform: 'console', user: ALICE },
    });
    expect(reply).toMatchObject({
      kind: 'error',
      message: '--incident notakey is not an incident key (incidents.keyPattern: INC-[0-9]+).',
    });
    expect(await h.deps.store.listRequests({})).toEqual([]);
    expect(await h.deps.store.readAudit({})).toEqual([]);
  });

  it('is refused by the core too (a form field reaches submit without the parser), and a real key still works', async () => {
    h = await createHarness(kind);
    const base = { requester: ALICE, resource: 'demo-db', level: 'read', reason: 'checking lag', origin: { platform: 'console' as const } };
    const refused = await submitRequest(h.deps, { ...base, incidentKey: 'WHATEVER-1' });
    expect(refused).toMatchObject({
      ok: false,
      code: 'invalid_incident_key',
      message: '"WHATEVER-1" is not an incident key (incidents.keyPattern: INC-[0-9]+).',
    });
    expect(await h.deps.store.listRequests({})).toEqual([]);
    const explained = await explainRisk(h.deps, { requester: ALICE, resource: 'demo-db', incidentKey: 'NOTAKEY' });
    expect(explained).toMatchObject({ ok: false, code: 'invalid_incident_key' });
    const accepted = await submitRequest(h.deps, { ...base, incidentKey: 'inc-42' });
    expect(accepted.ok && accepted.value.incidentKey).toBe('INC-42');
  });
});
