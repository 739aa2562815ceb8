import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  ListAccountAssignmentsCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { ProviderError } from '../../core/ports/provider.js';
import type { Assignment } from './records.js';

/** Runs one API operation, mapping what it throws with the operation named. */
export type Call = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;

export interface PollOptions {
  sleep: (ms: number) => Promise<void>;
  intervalMs: number;
  /** Upper bound on the wait; counted in polls (interval × attempts), so tests need no clock. */
  maxWaitMs: number;
}

export type Outcome = { status: 'SUCCEEDED' } | { status: 'FAILED'; reason: string };

const MAX_PAGES = 200;

/** Users (not groups) assigned the permission set in the account, across all pages. */
export async function assignedUsers(
  client: SSOAdminClient,
  target: Pick<Assignment, 'instanceArn' | 'accountId' | 'permissionSetArn'>,
  call: Call,
): Promise<Set<string>> {
  const all = await assignedPrincipals(client, target, call);
  return new Set(all.filter((p) => p.type === 'USER').map((p) => p.id));
}

/** Every principal (users and groups) assigned the permission set in the account, across all pages. */
export async function assignedPrincipals(
  client: SSOAdminClient,
  target: Pick<Assignment, 'instanceArn' | 'accountId' | 'permissionSetArn'>,
  call: Call,
): Promise<Array<{ type: 'USER' | 'GROUP'; id: string }>> {
  const principals: Array<{ type: 'USER' | 'GROUP'; id: string }> = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await call('ListAccountAssignments', () =>
      client.send(
        new ListAccountAssignmentsCommand({
          InstanceArn: target.instanceArn,
          AccountId: target.accountId,
          PermissionSetArn: target.permissionSetArn,
          MaxResults: 100,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      ),
    );
    for (const a of res.AccountAssignments ?? []) {
      if ((a.PrincipalType === 'USER' || a.PrincipalType === 'GROUP') && a.PrincipalId)
        principals.push({ type: a.PrincipalType, id: a.PrincipalId });
    }
    nextToken = res.NextToken;
    if (!nextToken) break;
  }
  return principals;
}

export async function isAssigned(client: SSOAdminClient, a: Assignment, call: Call): Promise<boolean> {
  return (await assignedUsers(client, a, call)).has(a.principalId);
}

const assignmentInput = (a: Assignment) => ({
  InstanceArn: a.instanceArn,
  TargetId: a.accountId,
  TargetType: 'AWS_ACCOUNT' as const,
  PermissionSetArn: a.permissionSetArn,
  PrincipalType: 'USER' as const,
  PrincipalId: a.principalId,
});

/** Starts CreateAccountAssignment; returns the request id to poll. */
export async function startCreation(client: SSOAdminClient, a: Assignment, call: Call): Promise<string> {
  const res = await call('CreateAccountAssignment', () => client.send(new CreateAccountAssignmentCommand(assignmentInput(a))));
  const requestId = res.AccountAssignmentCreationStatus?.RequestId;
  if (!requestId) throw new ProviderError('unknown', 'CreateAccountAssignment returned no request id');
  return requestId;
}

/** Starts DeleteAccountAssignment; returns the request id to poll. */
export async function startDeletion(client: SSOAdminClient, a: Assignment, call: Call): Promise<string> {
  const res = await call('DeleteAccountAssignment', () => client.send(new DeleteAccountAssignmentCommand(assignmentInput(a))));
  const requestId = res.AccountAssignmentDeletionStatus?.RequestId;
  if (!requestId) throw new ProviderError('unknown', 'DeleteAccountAssignment returned no request id');
  return requestId;
}

/**
 * Polls the creation/deletion status until SUCCEEDED or FAILED. Past `maxWaitMs` it gives up with a
 * retryable `unavailable` naming the request id; the caller keeps that id so the retry resumes polling
 * instead of starting a second operation.
 */
export async function waitFor(
  kind: 'creation' | 'deletion',
  client: SSOAdminClient,
  ids: { instanceArn: string; requestId: string },
  poll: PollOptions,
  call: Call,
  where: string,
): Promise<Outcome> {
  const attempts = Math.max(1, Math.ceil(poll.maxWaitMs / poll.intervalMs));
  for (let i = 0; i < attempts; i++) {
    await poll.sleep(poll.intervalMs);
    const status =
      kind === 'creation'
        ? (
            await call('DescribeAccountAssignmentCreationStatus', () =>
              client.send(
                new DescribeAccountAssignmentCreationStatusCommand({
                  InstanceArn: ids.instanceArn,
                  AccountAssignmentCreationRequestId: ids.requestId,
                }),
              ),
            )
          ).AccountAssignmentCreationStatus
        : (
            await call('DescribeAccountAssignmentDeletionStatus', () =>
              client.send(
                new DescribeAccountAssignmentDeletionStatusCommand({
                  InstanceArn: ids.instanceArn,
                  AccountAssignmentDeletionRequestId: ids.requestId,
                }),
              ),
            )
          ).AccountAssignmentDeletionStatus;
    if (status?.Status === 'SUCCEEDED') return { status: 'SUCCEEDED' };
    if (status?.Status === 'FAILED') return { status: 'FAILED', reason: status.FailureReason ?? 'no reason given' };
  }
  throw new ProviderError(
    'unavailable',
    `${where}: assignment ${kind} (request ${ids.requestId}) still in progress after ${Math.round(poll.maxWaitMs / 1000)} s; a retry resumes it`,
  );
}
