import type { ManagedGrant } from '../../core/ports/provider.js';
import { assignedUsers } from './assignments.js';
import type { AssignmentContext } from './grant.js';
import { refOf } from './records.js';

/**
 * Keycard-recorded assignments of one resource that still exist at AWS. Each distinct permission
 * set/account is listed once with ListAccountAssignments; a record whose assignment is gone is not
 * reported (reconciliation then flags the grant as missing at the target).
 */
export async function listAssignments(
  resource: string,
  ctx: Pick<AssignmentContext, 'client' | 'records' | 'call'>,
): Promise<ManagedGrant[]> {
  const records = (await ctx.records.all()).filter((r) => r.resource === resource);
  const groups = new Map<string, Promise<Set<string>>>();
  const usersFor = (r: (typeof records)[number]) => {
    const key = `${r.instanceArn}|${r.accountId}|${r.permissionSetArn}`;
    let users = groups.get(key);
    if (!users) {
      users = assignedUsers(ctx.client, r, ctx.call);
      groups.set(key, users);
    }
    return users;
  };
  const grants: ManagedGrant[] = [];
  for (const record of records) {
    if (!(await usersFor(record)).has(record.principalId)) continue;
    const expiresAt = new Date(record.expiresAt);
    grants.push({
      grantId: record.grantId,
      ref: refOf(record),
      principal: record.requester,
      ...(Number.isNaN(expiresAt.getTime()) ? {} : { expiresAt }),
    });
  }
  return grants;
}
