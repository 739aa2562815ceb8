import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBundledPolicy } from '../../src/config/bundled-policy.js';
import { formatPolicyErrors } from '../../src/config/policy-errors.js';
import { loadPolicyFile, parsePolicyText } from '../../src/config/policy-loader.js';
import { resolveResource, tierForScore } from '../../src/core/policy/access.js';
import type { Policy } from '../../src/core/policy/schema.js';
import { assessRisk } from '../../src/core/risk/assess.js';
import { computeHabits, familyOf } from '../../src/core/risk/habits.js';
import { builtinProviderFactories } from '../../src/providers/builtin.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { pastRequest } from '../fixtures/past-request.js';
import { BUSINESS_HOURS, OFF_HOURS, SATURDAY } from '../fixtures/policy.js';
import { QUIET_HISTORY, riskInput } from '../fixtures/risk-input.js';
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
  it('puts its three demo systems in three families, so the family factors can be shown with it', () => {
    const { policy } = parse(text);
    expect(['demo-db', 'demo-logs', 'demo-admin'].map((r) => familyOf(policy, r))).toEqual(['orders', 'logs', 'admin-console']);
    // Someone who has read the logs for months asks for the orders database: a family never granted to them.
    const logsHabit = Array.from({ length: 10 }, (_, i) => pastRequest(BUSINESS_HOURS.getTime(), 60 - i * 5, 'demo-logs'));
    const ask = (resource: string) => {
      const reason = 'checking replication lag on the replica';
      const habits = computeHabits(policy, logsHabit, { at: BUSINESS_HOURS, resource, level: 'read', reason, tickets: [] });
      const input = riskInput(policy, BUSINESS_HOURS, { resource, resourcePolicy: policy.resources[resource]!, reason, habits });
      return assessRisk(policy, input).factors.map((f) => f.id);
    };
    expect(ask('demo-db')).toContain('outside-work');
    expect(ask('demo-logs')).not.toContain('outside-work');
  });

  it('is the policy findBundledPolicy locates', () => {
    expect(findBundledPolicy()).toBe(EXAMPLE);
  });

  it('parses cleanly, without warnings, against the real built-in providers', async () => {
    const result = await loadPolicyFile(EXAMPLE, createProviderRegistry(builtinProviderFactories).schemas());
    if (!result.ok) throw new Error(formatPolicyErrors(result.errors).join('\n'));
    // Every group has someone else to approve each member (approver-reach-warnings.ts), so no warning at all.
    expect(result.warnings).toEqual([]);
  });

  it('has the time zone, hours and groups the README walkthrough uses', () => {
    const { policy } = parse(text);
    expect(policy.timezone).toBe('Europe/Berlin');
    expect(policy.businessHours).toEqual({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '19:00' });
    expect(policy.groups).toEqual({
      sre: ['bob@example.com', 'erin@example.com'],
      'db-owners': ['carol@example.com', 'frank@example.com'],
      security: ['dave@example.com', 'grace@example.com'],
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

  it("lets carol approve the README walkthrough's request at any hour: a first read of demo-db with an incident key", () => {
    const { policy } = parse(text);
    const tiers = [BUSINESS_HOURS, OFF_HOURS, SATURDAY].map(
      (at) =>
        assessRisk(
          policy,
          riskInput(policy, at, {
            reason: 'checking replication lag INC-42',
            incidentKey: 'INC-42',
            history: { ...QUIET_HISTORY, priorGrantsOnResource: 0 },
          }),
        ).tier,
    );
    // Working hours need one approval of medium; off-hours and the weekend add points on top of first access.
    expect(tiers).toEqual(['medium', 'high', 'high']);
    for (const tier of tiers) {
      expect(policy.tiers[tier].approvals).toBe(1);
      expect(policy.tiers[tier].approvers).toContain('db-owners');
    }
    expect(policy.groups['db-owners']).toContain('carol@example.com');
    expect(policy.groups['db-owners']).not.toContain('alice@example.com');
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
    expect(policy.tiers.medium).toMatchObject({
      approvals: 1,
      approvers: ['sre', 'db-owners'],
      approvalTtl: 3_600_000,
      remindBefore: 900_000,
    });
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

  it('spells out every risk weight (the fitted ones) and exactly the default thresholds', () => {
    const { policy } = parse(text);
    const withoutRisk = text.replace(/^risk:\n(?:(?: .*)?\n)+/m, '');
    expect(withoutRisk).not.toContain('velocityRequests');
    const defaults = parse(withoutRisk).policy;
    // Every weight is written out, so a reader sees the whole model and risk explain quotes what the file says.
    for (const name of Object.keys(defaults.risk.factors)) expect(text).toMatch(new RegExp(`^ {4}${name}: -?\\d+ #`, 'm'));
    for (const name of Object.keys(defaults.risk.sensitivity)) expect(text).toMatch(new RegExp(`^ {4}${name}: \\d+`, 'm'));
    expect(Object.keys(policy.risk.levels).sort()).toEqual(Object.keys(defaults.risk.levels).sort());
    // The weights are the ones fitted on generated histories (docs/risk-evaluation.md): they order the sensitivities
    // and levels, keep the history discount small and put the never-bought signals above the words.
    const { sensitivity: s, levels: l, factors: f } = policy.risk;
    expect(s.low).toBeLessThan(s.medium);
    expect(s.medium).toBeLessThan(s.high);
    expect(s.high).toBeLessThan(s.critical);
    expect(l.read).toBeLessThan(l.write!);
    expect(l.write).toBeLessThan(l.admin!);
    // Both history discounts fit within the cap, so the cap never silently changes the fitted weights.
    expect(f.cleanHistory + f.routineWork).toBeGreaterThanOrEqual(-policy.risk.thresholds.maxHistoryDiscount);
    expect(f.sessionAnomaly).toBeGreaterThan(f.sessionAnomalyElsewhere);
    expect(f.incidentKey).toBeLessThan(0);
    // Everything that is not a weight is the default; time zones are the example organisation's own.
    const { sensitivity: _s, levels: _l, factors: _f, timeZones: _t, ...rest } = policy.risk;
    const { sensitivity: _ds, levels: _dl, factors: _df, timeZones: _dt, ...defaultRest } = defaults.risk;
    // Except the history cap (the example's fitted discounts, clean −5 and routine −10, add up to 15)
    // and security may decide a request whose usual approver is the concentrated one.
    expect(rest).toEqual({
      ...defaultRest,
      thresholds: { ...defaultRest.thresholds, maxHistoryDiscount: 15 },
      approverFallback: ['security'],
    });
    expect(policy.risk.timeZones).toEqual({ people: { 'erin@example.com': 'America/New_York' }, teams: { sre: 'Asia/Singapore' } });
    expect(text).toMatch(/^ {2}approverReport:\n/m);
  });

  it('links incidents, sends notices and alerts as documented', () => {
    const { policy } = parse(text);
    expect(policy.incidents).toEqual({ channelPattern: '^inc-', keyPattern: 'INC-[0-9]+', onCallRelief: 1, slackChannelCreators: [] });
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
