import type { AccessRequest, Approval } from '../core/types.js';
import type { AccessRequestRow, ApprovalRow } from './schema.js';

// The schema's property names and column types mirror the core types one to one (snake_case only in SQL),
// so mapping is the identity; these functions exist so that any drift between the two fails to compile.

export function toAccessRequest(row: AccessRequestRow): AccessRequest {
  return row;
}

export function toApproval(row: ApprovalRow): Approval {
  return row;
}

// The reverse direction: every core field has a column of a compatible type.
const _requestFitsRow = (request: AccessRequest): AccessRequestRow => request;
void _requestFitsRow;
