import { type Policy, policySchema } from '../../src/core/policy/schema.js';
import { SAMPLE_ORG_GROUP_TEAMS, SAMPLE_ORG_OWNERSHIP, SAMPLE_ORG_POLICY } from '../../src/risk-lab/sample-org.js';
import { DEFAULT_SIMULATION, type SimulatedHistory, type SimulationOptions, simulateHistory } from '../../src/risk-lab/simulate.js';

export const samplePolicy: Policy = policySchema.parse(SAMPLE_ORG_POLICY);

/** A small generated history of the sample organisation (a few thousand requests keep the suite fast). */
export function smallHistory(overrides: Partial<SimulationOptions> = {}): SimulatedHistory {
  return simulateHistory(samplePolicy, {
    ...DEFAULT_SIMULATION,
    seed: 1,
    days: 30,
    requests: 2000,
    warmupDays: 20,
    ownership: SAMPLE_ORG_OWNERSHIP,
    groupTeams: SAMPLE_ORG_GROUP_TEAMS,
    ...overrides,
  });
}

export const windowsOf = (policy: Policy) => ({
  historyWindowMs: policy.risk.thresholds.historyWindow,
  denialWindowMs: policy.risk.thresholds.denialWindow,
  velocityWindowMs: policy.risk.thresholds.velocityWindow,
});
