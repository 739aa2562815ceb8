import { z } from 'zod';
import type { StateStore } from '../../core/ports/state.js';
import { PRINCIPAL_ID_RE } from './schemas.js';

/**
 * Account assignments cannot be tagged, so Keycard labels its own in its state store instead:
 * one record per grant, written before the assignment is created and deleted after it is gone.
 */
export const AWS_SSO_NAMESPACE = 'provider:aws-sso';

/** One account assignment: the (principal, permission set, account) triple within an instance. */
export const assignmentSchema = z.object({
  instanceArn: z.string().startsWith('arn:'),
  accountId: z.string().regex(/^\d{12}$/),
  permissionSetArn: z.string().startsWith('arn:'),
  principalId: z.string().regex(PRINCIPAL_ID_RE),
});
export type Assignment = z.output<typeof assignmentSchema>;

const recordSchema = assignmentSchema.extend({
  grantId: z.string(),
  resource: z.string(),
  level: z.string(),
  requester: z.string(),
  expiresAt: z.string(),
  /** creating → active → deleting; the request id lets a retried call resume a long-running operation. */
  status: z.enum(['creating', 'active', 'deleting']),
  requestId: z.string().optional(),
});
export type AssignmentRecord = z.output<typeof recordSchema>;

export const sameAssignment = (a: Assignment, b: Assignment) =>
  a.instanceArn === b.instanceArn &&
  a.accountId === b.accountId &&
  a.permissionSetArn === b.permissionSetArn &&
  a.principalId === b.principalId;

/** The ref handed out and stored with the grant: ids and ARNs only. */
export const refOf = (a: Assignment): Assignment => ({
  instanceArn: a.instanceArn,
  accountId: a.accountId,
  permissionSetArn: a.permissionSetArn,
  principalId: a.principalId,
});

export function createRecords(state: StateStore) {
  const all = async (): Promise<AssignmentRecord[]> => {
    const rows = await state.list(AWS_SSO_NAMESPACE);
    return rows.flatMap((row) => {
      const parsed = recordSchema.safeParse(row.value);
      return parsed.success ? [parsed.data] : [];
    });
  };
  return {
    all,
    async get(grantId: string): Promise<AssignmentRecord | undefined> {
      const parsed = recordSchema.safeParse(await state.get(AWS_SSO_NAMESPACE, grantId));
      return parsed.success ? parsed.data : undefined;
    },
    put: (record: AssignmentRecord) => state.put(AWS_SSO_NAMESPACE, record.grantId, { ...record }),
    delete: (grantId: string) => state.delete(AWS_SSO_NAMESPACE, grantId),
    /**
     * Other live Keycard grants resting on the same assignment (two levels or resources may map to one
     * permission set). While one exists, revoking this grant must leave the assignment in place.
     */
    async otherHolders(assignment: Assignment, grantId: string, now: Date): Promise<AssignmentRecord[]> {
      return (await all()).filter(
        (r) => r.grantId !== grantId && r.status === 'active' && Date.parse(r.expiresAt) > now.getTime() && sameAssignment(r, assignment),
      );
    },
  };
}

export type Records = ReturnType<typeof createRecords>;
