import type { Policy } from '../core/policy/schema.js';
import { policySchema } from '../core/policy/schema.js';
import type { LabelledHistory } from '../core/risk/holdout-evaluation.js';
import { DEFAULT_THREAT_MODEL, generateThreatModelHistory, threatModelPolicy } from '../risk-eval/generate.js';
import { SAMPLE_ORG_GROUP_TEAMS, SAMPLE_ORG_OWNERSHIP, SAMPLE_ORG_POLICY } from '../risk-lab/sample-org.js';
import { DEFAULT_SIMULATION, simulateHistory } from '../risk-lab/simulate.js';

export const GENERATORS = ['threat-model', 'risk-lab'] as const;
export type GeneratorName = (typeof GENERATORS)[number];

export interface GenerationSize {
  /** People in the threat-model organisation. */
  people: number;
  /** Requests in the risk-lab window. */
  requests: number;
  days: number;
}

export const DEFAULT_SIZE: GenerationSize = { people: DEFAULT_THREAT_MODEL.people, requests: 30_000, days: DEFAULT_THREAT_MODEL.days };

/** The risk model under evaluation applied to a generator's organisation: its resources and groups, the base policy's weights, thresholds and tiers. */
function withRiskModel(base: Policy, org: Policy): Policy {
  return {
    ...org,
    risk: base.risk,
    tiers: base.tiers,
    timezone: base.timezone,
    businessHours: base.businessHours,
    groups: { ...base.groups, ...org.groups },
  };
}

/** Generates one labelled history (both generators take a seed; neither sees the other's code). */
export function generateHistory(generator: GeneratorName, seed: string, base: Policy, size: GenerationSize): LabelledHistory {
  if (generator === 'threat-model') {
    const h = generateThreatModelHistory({ ...DEFAULT_THREAT_MODEL, seed, people: size.people, days: size.days });
    const people = new Map(h.directory.map((p) => [p.email, p]));
    const incidents = new Map(h.incidents.map((i) => [i.key, new Set(i.responders)]));
    return {
      generator,
      seed,
      policy: threatModelPolicy(base, h.org),
      events: h.events,
      window: h.window,
      labels: new Map(h.labels.map((l) => [l.requestId, l.pattern])),
      replay: {
        person: (email) => people.get(email),
        responder: (email, key) => {
          const responders = incidents.get(key.toUpperCase());
          return responders ? responders.has(email) : undefined;
        },
      },
    };
  }
  const sample = policySchema.parse(SAMPLE_ORG_POLICY);
  const h = simulateHistory(sample, {
    ...DEFAULT_SIMULATION,
    seed,
    days: size.days,
    requests: size.requests,
    ownership: SAMPLE_ORG_OWNERSHIP,
    groupTeams: SAMPLE_ORG_GROUP_TEAMS,
  });
  return {
    generator,
    seed,
    policy: withRiskModel(base, sample),
    events: h.events,
    window: h.window,
    labels: new Map(h.truth.misuse.map((l) => [l.requestId, l.type])),
    replay: {},
  };
}
