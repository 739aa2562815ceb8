import type { ProviderRevokeInput } from '../../core/ports/provider.js';
import { ProviderError } from '../../core/ports/provider.js';
import { isAssigned, startDeletion, waitFor } from './assignments.js';
import type { AssignmentContext } from './grant.js';
import { type AssignmentRecord, assignmentSchema, refOf } from './records.js';

/** The assignment a grant made: from Keycard's record, else from the ref; undefined when neither knows one. */
export async function assignmentOf(input: ProviderRevokeInput, ctx: Pick<AssignmentContext, 'records'>) {
  const record = await ctx.records.get(input.grantId);
  if (record) return { record, target: refOf(record) };
  if (!input.ref) return { record: undefined, target: undefined };
  const parsed = assignmentSchema.safeParse(input.ref);
  if (!parsed.success) {
    throw new ProviderError(
      'invalid_config',
      `grant ${input.grantId}: its ref does not describe an account assignment; refusing to act on it`,
      {
        retryable: false,
      },
    );
  }
  return { record: undefined, target: parsed.data };
}

/**
 * Deletes the assignment (unless another live Keycard grant rests on it), polls until AWS confirms,
 * then forgets the record. Absent at AWS, or ResourceNotFound, counts as already revoked.
 */
export async function removeAssignment(
  input: ProviderRevokeInput,
  ctx: AssignmentContext,
): Promise<'deleted' | 'absent' | 'shared' | 'unknown'> {
  const { client, records, poll, call, where } = ctx;
  const { record, target } = await assignmentOf(input, ctx);
  if (!target) return 'unknown';
  if ((await records.otherHolders(target, input.grantId, input.now)).length > 0) {
    await records.delete(input.grantId);
    return 'shared';
  }
  const ids = (requestId: string) => ({ instanceArn: target.instanceArn, requestId });
  if (record?.status === 'deleting' && record.requestId) {
    await waitFor('deletion', client, ids(record.requestId), poll, call, where).catch(ignoreNotFound);
  }
  let result: 'deleted' | 'absent' = 'absent';
  if (await isAssigned(client, target, call)) {
    const deleting = (requestId?: string): AssignmentRecord | undefined =>
      record ? { ...record, status: 'deleting', ...(requestId ? { requestId } : {}) } : undefined;
    const marked = deleting();
    if (marked) await records.put(marked);
    const requestId = await startDeletion(client, target, call).catch((err: unknown) => ignoreNotFound(err));
    if (requestId) {
      const withId = deleting(requestId);
      if (withId) await records.put(withId);
      const outcome = await waitFor('deletion', client, ids(requestId), poll, call, where);
      if (outcome.status === 'FAILED') {
        // Revocation must not be given up on: unknown is retryable, and the record stays for the retry.
        throw new ProviderError(
          'unknown',
          `${where}: Identity Center could not delete the assignment (request ${requestId}): ${outcome.reason}`,
        );
      }
      result = 'deleted';
    }
  }
  await records.delete(input.grantId);
  return result;
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof ProviderError && err.code === 'not_found') return undefined;
  throw err;
}
