import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBundledPolicy } from '../../src/config/bundled-policy.js';
import { formatPolicyErrors } from '../../src/config/policy-errors.js';
import { loadPolicyFile, parsePolicyText } from '../../src/config/policy-loader.js';
import { resolveResource, tierForScore } from '../../src/core/policy/access.js';
import type { Policy } from '../../src/core/policy/schema.js';
import { builtinProviderFactories } from '../../src/providers/builtin.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { fakeProviderSchemas } from './fixtures.js';

const EXAMPLE = resolve('manifests/policy.example.yaml');
const text = readFileSync(EXAMPLE, 'utf8');

function parse(source: string, schemas = fakeProviderSchemas): { policy: Policy; warnings: string[] } {
  const result = parsePolicyText(source, 'policy.example.yaml', schemas);
  if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
  return result;
}

/** The example with its commented-out prod-db resource switched on. */
function withProdDb(): string {
  const block = /^ {2}# prod-db:\n(?: {2}#.*\n)+/m.exec(text);
  if (!block) throw new Error('the example no longer has a commented prod-db block');
  return text.replace(block[0], block[0].replace(/^ {2}# /gm, '  '));
}

describe('manifests/policy.example.yaml', () => {
  it('is the policy findBundledPolicy locates', () => {
    expect(findBundledPolicy()).toBe(EXAMPLE);
  });

  it('parses cleanly, without warnings, against the real built-in providers', async () => {
    const result = await loadPolicyFile(EXAMPLE, createProviderRegistry(builtinProviderFactories).schemas());
    if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
    expect(result.warnings).toEqual([]);
  });

  it('has the time zone, hours and groups the README walkthrough uses', () => {
    const { policy } = parse(text);
    expect(policy.timezone).toBe('Europe/Berlin');
    expect(policy.businessHours).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '19:00' });
    expect(policy.groups).toEqual({
      sre: ['bob@example.com', 'erin@example.com'],
      'db-owners': ['carol@example.com'],
      security: ['dave@example.com'],
    });
    expect(Object.values(policy.groups).flat()).not.toContain('alice@example.com');
  });

  it('offers the three demo resources with short minimums for live demos', () => {
    const { policy } = parse(text);
    expect(Object.keys(policy.resources)).toEqual(['demo-db', 'demo-logs', 'demo-admin']);
    const db = resolveResource(policy, 'demo-db')!;
    expect(db).toMatchObject({ provider: 'demo', sensitivity: 'high', defaultLevelName: 'read', levelNames: ['read', 'write', 'admin'] });
    expect(db.description).toBe('Demo orders database (demo provider, no real target)');
    expect([db.minDuration, db.defaultDuration, db.maxDuration, db.maxTotal]).toEqual([10_000, 1_800_000, 14_400_000, 28_800_000]);
    expect(db.noticeOffsets).toEqual([600_000, 120_000, 5_000]);
    expect(resolveResource(policy, 'demo-logs')).toMatchObject({
      sensitivity: 'low',
      levelNames: ['read'],
      minDuration: 10_000,
      maxDuration: 28_800_000,
    });
    expect(resolveResource(policy, 'demo-admin')).toMatchObject({
      sensitivity: 'critical',
      levelNames: ['admin'],
      minDuration: 10_000,
      maxDuration: 3_600_000,
    });
  });

  it('routes scores to the documented tiers', () => {
    const { policy } = parse(text);
    expect([0, 29, 30, 49, 50, 74, 75, 100].map((score) => tierForScore(policy, score))).toEqual([
      'low',
      'low',
      'medium',
      'medium',
      'high',
      'high',
      'critical',
      'critical',
    ]);
    expect(policy.tiers.low.approvals).toBe(0);
    expect(policy.tiers.medium).toMatchObject({ approvals: 1, approvers: ['sre'], approvalTtl: 3_600_000, remindBefore: 900_000 });
    expect(policy.tiers.medium.channel).toEqual({ slack: '#keycard-approvals', console: '#access-medium' });
    expect(policy.tiers.high).toMatchObject({
      approvals: 1,
      approvers: ['db-owners'],
      breakGlass: false,
      channel: { console: '#access-high' },
    });
    expect(policy.tiers.critical).toMatchObject({
      approvals: 2,
      approvers: ['db-owners', 'security'],
      distinctGroups: true,
      breakGlass: true,
      approvalTtl: 1_800_000,
      channel: { console: '#access-critical' },
    });
  });

  it('spells out exactly the default risk weights', () => {
    const { policy } = parse(text);
    const withoutRisk = text.replace(/^risk:\n(?:(?: .*)?\n)+/m, '');
    expect(withoutRisk).not.toContain('velocityRequests');
    const defaults = parse(withoutRisk).policy;
    // Time zones are the example organisation's own (not defaults); everything else is the default.
    expect({ ...policy.risk, timeZones: defaults.risk.timeZones }).toEqual(defaults.risk);
    expect(policy.risk.timeZones).toEqual({ people: { 'erin@example.com': 'America/New_York' }, teams: { sre: 'Asia/Singapore' } });
    expect(policy.risk.approverReport).toEqual(defaults.risk.approverReport);
    expect(text).toMatch(/^ {2}approverReport:\n/m);
  });

  it('links incidents, sends notices and alerts as documented', () => {
    const { policy } = parse(text);
    expect(policy.incidents).toEqual({ channelPattern: '^inc-', keyPattern: 'INC-[0-9]+', onCallRelief: 1 });
    expect(policy.onCall.rotations.sre?.members).toEqual(['bob@example.com', 'erin@example.com']);
    expect(policy.monitoring.autoRevoke).toEqual(['critical']);
    expect(policy.notices.beforeExpiry).toEqual([600_000, 120_000]);
    expect(policy.alerts).toEqual({ channel: { console: '#security-alerts', slack: '#keycard-alerts' }, reviewers: ['security'] });
  });

  it('keeps its commented-out postgres example valid', () => {
    const postgres = createProviderRegistry(builtinProviderFactories).schemas();
    const { policy } = parse(withProdDb(), postgres);
    expect(policy.resources['prod-db']).toMatchObject({
      provider: 'postgres',
      connection: 'env:PROD_DB_ADMIN_URL',
      levels: { read: { role: 'orders_readonly' }, write: { role: 'orders_readwrite' } },
    });
  });
});
