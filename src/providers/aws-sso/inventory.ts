import type { ProviderListInput, StandingAccess } from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { assignedPrincipals } from './assignments.js';
import type { AssignmentContext } from './grant.js';
import { sameAssignment } from './records.js';
import { type AwsSsoResourceConfig, awsSsoLevelConfigSchema } from './schemas.js';

/**
 * Account assignments of each level's permission set that Keycard did not make: every user and group
 * ListAccountAssignments reports, minus the users Keycard holds a record for (assignments cannot be
 * tagged, so the records are how Keycard knows its own). User ids are shown as emails where Keycard
 * knows the mapping (config.principalIdByEmail, or a live grant's record); otherwise as the id.
 */
export async function standingAssignments(
  input: ProviderListInput,
  config: AwsSsoResourceConfig,
  ctx: Pick<AssignmentContext, 'client' | 'records' | 'call'>,
): Promise<StandingAccess[]> {
  const records = await ctx.records.all();
  const emailOf = new Map<string, string>();
  for (const [email, id] of Object.entries(config.principalIdByEmail ?? {})) emailOf.set(id, email.toLowerCase());
  for (const record of records) emailOf.set(record.principalId, record.requester);

  const found: StandingAccess[] = [];
  for (const [level, raw] of Object.entries(input.levels)) {
    const parsed = awsSsoLevelConfigSchema.safeParse(raw);
    if (!parsed.success) continue;
    const accountId = parsed.data.accountId ?? config.accountId;
    if (!accountId) {
      throw new ProviderError('invalid_config', `resource ${input.resource} level ${level}: set accountId on the level or the resource`);
    }
    const target = { instanceArn: config.instanceArn, accountId, permissionSetArn: parsed.data.permissionSetArn };
    const permissionSet = target.permissionSetArn.replace(/^.*\//, '');
    for (const principal of await assignedPrincipals(ctx.client, target, ctx.call)) {
      if (principal.type === 'USER' && records.some((r) => sameAssignment(r, { ...target, principalId: principal.id }))) continue;
      found.push({
        level,
        principal: (principal.type === 'USER' ? emailOf.get(principal.id) : undefined) ?? principal.id,
        via: `${principal.type === 'GROUP' ? 'group ' : ''}account assignment of ${permissionSet} in ${accountId}`,
        kind: principal.type === 'GROUP' ? 'group' : 'user',
      });
    }
  }
  return found;
}
