import type { Policy } from '../policy/schema.js';
import type { OnCallSource } from '../ports/oncall.js';

/** Rotations and overrides from the policy file: pure arithmetic on `at`, no I/O. */
export function onCallFromPolicy(policy: Policy, email: string, at: Date): string[] {
  const who = email.toLowerCase();
  const via: string[] = [];
  for (const [name, rotation] of Object.entries(policy.onCall.rotations)) {
    const elapsed = at.getTime() - new Date(rotation.start).getTime();
    if (elapsed < 0) continue;
    const index = Math.floor(elapsed / rotation.shift) % rotation.members.length;
    if (rotation.members[index] === who) via.push(name);
  }
  for (const shift of policy.onCall.overrides) {
    if (shift.email === who && new Date(shift.from) <= at && at < new Date(shift.to)) via.push('override');
  }
  return via;
}

export function createPolicyOnCall(policy: () => Policy): OnCallSource {
  return { onCallVia: async (email, at) => onCallFromPolicy(policy(), email, at) };
}

/** Several sources answer together (policy rotations plus PagerDuty); one failing does not hide the others. */
export function combineOnCall(sources: OnCallSource[], onError: (error: unknown) => void): OnCallSource {
  return {
    async onCallVia(email, at) {
      const results = await Promise.allSettled(sources.map((s) => s.onCallVia(email, at)));
      const via: string[] = [];
      for (const r of results) {
        if (r.status === 'fulfilled') via.push(...r.value);
        else onError(r.reason);
      }
      return [...new Set(via)];
    },
  };
}
