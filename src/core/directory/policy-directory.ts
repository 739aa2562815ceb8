import { groupsOf } from '../policy/access.js';
import type { Policy } from '../policy/schema.js';
import type { Directory } from '../ports/directory.js';

/**
 * The directory when no source is configured: everyone the chat platform verified is a person, active,
 * and in the policy groups that list them. Nobody is refused for being unknown (the zero-setup console).
 */
export function createPolicyDirectory(policy: () => Policy): Directory {
  const person = (email: string) => {
    const lower = email.toLowerCase();
    return { email: lower, active: true, groups: groupsOf(policy(), lower) };
  };
  return {
    configured: false,
    person,
    lookup: async (email) => ({ status: 'found', person: person(email) }),
    emailOfObjectId: () => undefined,
  };
}
