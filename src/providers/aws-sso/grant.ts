import type { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import type { ProviderGrantInput } from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { type Call, isAssigned, type PollOptions, startCreation, waitFor } from './assignments.js';
import { type Assignment, type AssignmentRecord, type Records, sameAssignment } from './records.js';

export interface AssignmentContext {
  client: SSOAdminClient;
  records: Records;
  poll: PollOptions;
  call: Call;
  /** `aws-sso <region> (<action> on <resource>)`, for messages. */
  where: string;
}

/**
 * Makes sure the requester holds the assignment, recorded as this grant's. Order matters for crash
 * safety: the record is written before CreateAccountAssignment (so a crash leaves something `list` and
 * revoke can find) and carries the request id (so a retry resumes polling rather than starting over).
 */
export async function ensureAssignment(input: ProviderGrantInput, target: Assignment, ctx: AssignmentContext): Promise<void> {
  const { client, records, poll, call, where } = ctx;
  const base: Omit<AssignmentRecord, 'status'> = {
    ...target,
    grantId: input.grantId,
    resource: input.resource,
    level: input.level,
    requester: input.requester,
    expiresAt: input.expiresAt.toISOString(),
  };
  const previous = await records.get(input.grantId);
  const mine = previous !== undefined && sameAssignment(previous, target);
  if (mine && previous.status === 'creating' && previous.requestId) {
    // A retry after a timeout or crash: let the operation already started finish first.
    await waitFor('creation', client, { instanceArn: target.instanceArn, requestId: previous.requestId }, poll, call, where).catch(
      (err: unknown) => {
        // A request id AWS no longer knows is stale, not fatal: the checks below decide what to do.
        if (!(err instanceof ProviderError && err.code === 'not_found')) throw err;
      },
    );
  }

  if (await isAssigned(client, target, call)) {
    if (!mine && (await records.otherHolders(target, input.grantId, input.now)).length === 0) {
      throw new ProviderError(
        'conflict',
        `${where}: ${input.requester} already holds permission set ${target.permissionSetArn} in account ${target.accountId} ` +
          'through an assignment Keycard did not make; Keycard will not take it over (revoking it would remove that standing access)',
        { retryable: false },
      );
    }
    // Ours from an earlier attempt, or shared with another live Keycard grant: record it and we are done.
    await records.put({ ...base, status: 'active' });
    return;
  }

  await records.put({ ...base, status: 'creating' });
  const requestId = await startCreation(client, target, call);
  await records.put({ ...base, status: 'creating', requestId });
  const outcome = await waitFor('creation', client, { instanceArn: target.instanceArn, requestId }, poll, call, where);
  if (outcome.status === 'FAILED') {
    await records.delete(input.grantId);
    throw new ProviderError(
      'unknown',
      `${where}: Identity Center could not create the assignment (request ${requestId}): ${outcome.reason}`,
    );
  }
  await records.put({ ...base, status: 'active' });
}
