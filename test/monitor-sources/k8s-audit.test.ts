import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { handleCommand } from '../../src/core/commands/handle.js';
import { keycardPrincipal, mapAuditEvent } from '../../src/monitor/k8s-audit-mapping.js';
import { auditEventSchema } from '../../src/monitor/k8s-audit-schema.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { SECRET, type Served, serveActivityRoutes } from './serve-routes.js';

const eventList = readFileSync(join(import.meta.dirname, 'fixtures/k8s-audit-eventlist.json'), 'utf8');
const items = (JSON.parse(eventList) as { items: unknown[] }).items;

describe('Kubernetes audit webhook (/activity/k8s-audit)', () => {
  let h: Harness;
  let served: Served;
  afterEach(async () => {
    await served?.close();
    await h?.close();
  });
  const post = (body: string, headers: Record<string, string> = { authorization: `Bearer ${SECRET}` }, query = '') =>
    fetch(`${served.url}/activity/k8s-audit${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const activityOf = async (n: number) => h.deps.store.listActivity((await h.deps.store.getRequestByNumber(n))!.id, 50);
  const anomaliesTo = (to: string) =>
    h.chat.events.filter((e) => e.type === 'anomaly' && e.to === to).map((e) => (e.type === 'anomaly' ? e.alert : undefined));

  async function start() {
    h = await createHarness('pglite');
    served = await serveActivityRoutes(h.deps);
    const run = (actor: string, text: string) => handleCommand(h.deps, { actor, text, origin: { platform: 'console' } });
    await run('alice@example.com', '/access demo-db 30m read checking the payments secrets INC-42');
    await run('bob@example.com', 'approve KC-1');
    await run('erin@example.com', '/access demo-logs 30m read look at the api pod logs');
    expect((await h.deps.store.getRequestByNumber(1))?.status).toBe('active');
    expect((await h.deps.store.getRequestByNumber(2))?.status).toBe('active');
  }

  it('maps an EventList: secrets read and exec alert, other users are ignored, unknown grantees are counted', async () => {
    await start();
    const res = await post(eventList);
    expect(res.status).toBe(200);
    // The exec stream's ResponseComplete is accepted but not recorded again: its auditID was recorded when the stream started.
    expect(await res.json()).toEqual({ accepted: 5, ignored: 3, malformed: 0 });
    await served.routes.drain();

    const alice = await activityOf(1);
    expect(alice.map((a) => [a.verb, a.target, a.namespace]).sort()).toEqual([
      ['get', 'secrets', 'payments'],
      ['list', 'pods', 'payments'],
    ]);
    expect(alice.find((a) => a.target === 'secrets')).toMatchObject({
      source: 'k8s-audit',
      principal: 'alice@example.com',
      sourceAddress: '10.20.0.15',
      at: new Date('2026-11-24T09:00:01.130Z'),
      details: { auditID: '5f6e2a9c-1b3d-4c8e-9a7f-0d2b4e6f8a10', name: 'db-credentials', responseCode: 200 },
    });
    const erin = await activityOf(2);
    expect(erin).toHaveLength(1);
    expect(erin[0]).toMatchObject({ verb: 'create', target: 'pods/exec', principal: 'system:serviceaccount:keycard-grants:keycard-kc-2' });
    // The exec command line (query string) is not stored: it may carry a secret.
    expect(JSON.stringify(erin[0]!.details)).not.toContain('command=');

    expect(anomaliesTo('alice@example.com')).toMatchObject([{ detector: 'k8s-sensitive', summary: 'get secrets in payments' }]);
    expect(anomaliesTo('bob@example.com')).toMatchObject([{ detector: 'k8s-sensitive', actions: ['revoke', 'acknowledge'] }]);
    expect(anomaliesTo('erin@example.com')).toMatchObject([{ detector: 'k8s-sensitive', summary: 'exec into a pod in payments' }]);
    const audit = (await h.deps.store.readAudit({})).filter((e) => e.action === 'anomaly.detected');
    expect(audit.map((e) => e.details.ref).sort()).toEqual(['KC-1', 'KC-2']);
  });

  it('scopes events to a resource named in the path or with ?resource=', async () => {
    await start();
    const only = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [items[0]] });
    expect((await post(only, undefined, '?resource=demo-logs')).status).toBe(200);
    await served.routes.drain();
    expect(await activityOf(1)).toEqual([]);
    expect((await post(only, undefined, '/demo-logs')).status).toBe(200);
    await served.routes.drain();
    expect(await activityOf(1)).toEqual([]);
    expect((await post(only, undefined, '/demo-db')).status).toBe(200);
    await served.routes.drain();
    expect(await activityOf(1)).toHaveLength(1);
    // The same auditID again is the same event (exactly once); a new one is recorded.
    expect((await post(only, undefined, '?resource=demo-db')).status).toBe(200);
    await served.routes.drain();
    expect(await activityOf(1)).toHaveLength(1);
    const other = JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      items: [{ ...(items[0] as object), auditID: 'another-audit-id' }],
    });
    expect((await post(other, undefined, '?resource=demo-db')).status).toBe(200);
    await served.routes.drain();
    expect(await activityOf(1)).toHaveLength(2);
    expect((await post(only, undefined, '?resource=Not_A_Name')).status).toBe(400);
    expect((await post(only, undefined, '/Not_A_Name')).status).toBe(400);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-secret' }],
    ['the secret without Bearer', { authorization: SECRET }],
    ['a signature instead of a token', { 'x-keycard-signature': 'v1=00' }],
  ])('rejects %s with 401 and records nothing', async (_name, headers) => {
    await start();
    const res = await post(eventList, headers);
    expect(res.status).toBe(401);
    await served.routes.drain();
    expect(await activityOf(1)).toEqual([]);
    expect(await activityOf(2)).toEqual([]);
  });

  it('answers 400 to bodies that are not an audit.k8s.io/v1 EventList, and skips malformed items', async () => {
    await start();
    expect((await post('{"kind":')).status).toBe(400);
    const v1beta1 = await post(JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1beta1', items: [] }));
    expect(v1beta1.status).toBe(400);
    expect(JSON.stringify(await v1beta1.json())).toContain('--audit-webhook-version=audit.k8s.io/v1');
    const mixed = await post(
      JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [{ stage: 'ResponseComplete' }, items[0]] }),
    );
    expect(await mixed.json()).toEqual({ accepted: 1, ignored: 0, malformed: 1 });
    const get = await fetch(`${served.url}/activity/k8s-audit`, { headers: { authorization: `Bearer ${SECRET}` } });
    expect(get.status).toBe(405);
  });
});

describe('audit event mapping', () => {
  const now = new Date('2026-11-24T09:00:00Z');
  const parse = (item: unknown) => auditEventSchema.parse(item);

  it('recognises Keycard grantees: emails (with an API-server prefix) and Keycard-made service accounts', () => {
    expect(keycardPrincipal('alice@example.com')).toBe('alice@example.com');
    expect(keycardPrincipal('oidc:Alice@Example.com')).toBe('alice@example.com');
    expect(keycardPrincipal('system:serviceaccount:keycard-grants:keycard-kc-12')).toBe(
      'system:serviceaccount:keycard-grants:keycard-kc-12',
    );
    expect(keycardPrincipal('system:serviceaccount:kube-system:replicaset-controller')).toBeUndefined();
    expect(keycardPrincipal('system:kube-controller-manager')).toBeUndefined();
    expect(keycardPrincipal(undefined)).toBeUndefined();
  });

  it('builds the target from resource and subresource, and takes the first source IP and the stage time', () => {
    const mapped = mapAuditEvent(parse(items[2]), { now, resource: 'prod-k8s' });
    expect(mapped).toMatchObject({
      kind: 'event',
      streaming: true,
      input: {
        source: 'k8s-audit',
        verb: 'create',
        target: 'pods/exec',
        namespace: 'payments',
        sourceAddress: '10.20.0.31',
        resource: 'prod-k8s',
        at: new Date('2026-11-24T09:00:02.410Z'),
      },
    });
  });

  it('falls back to the impersonated user and to grantee-looking groups, and to now without timestamps', () => {
    const event = parse({
      auditID: 'x',
      stage: 'ResponseComplete',
      verb: 'delete',
      user: { username: 'system:admin', groups: ['system:masters', 'carol@example.com'] },
      impersonatedUser: { username: 'oidc:alice@example.com' },
      objectRef: { resource: 'deployments', namespace: 'payments' },
    });
    expect(mapAuditEvent(event, { now })).toMatchObject({
      kind: 'event',
      principals: ['alice@example.com', 'carol@example.com'],
      input: { at: now, target: 'deployments' },
    });
  });

  it('ignores stages other than ResponseComplete, except the start of a stream', () => {
    expect(mapAuditEvent(parse(items[1]), { now })).toEqual({ kind: 'skip', reason: 'stage' });
    expect(mapAuditEvent(parse({ ...(items[0] as object), stage: 'Panic' }), { now })).toEqual({ kind: 'skip', reason: 'stage' });
    expect(mapAuditEvent(parse({ ...(items[0] as object), stage: 'ResponseStarted' }), { now })).toEqual({ kind: 'skip', reason: 'stage' });
    expect(mapAuditEvent(parse(items[4]), { now })).toEqual({ kind: 'skip', reason: 'not-keycard' });
  });
});
