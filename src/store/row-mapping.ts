import { getTableColumns } from 'drizzle-orm';
import type { AccessRequest, Approval } from '../core/types.js';
import { type AccessRequestRow, type ApprovalRow, accessRequests, approvals } from './schema.js';

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

/**
 * Maps raw rows (snake_case columns, as either driver returns them for hand-written SQL) the way drizzle maps
 * its own selects: each column's `mapFromDriverValue` (timestamps from text, jsonb from text, bigints).
 */
function rawMapper<Row>(columns: ReturnType<typeof getTableColumns>): (row: Record<string, unknown>) => Row {
  const entries = Object.entries(columns);
  return (row) => {
    const mapped: Record<string, unknown> = {};
    for (const [key, column] of entries) {
      const value = row[column.name];
      mapped[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return mapped as Row;
  };
}

const requestRow = rawMapper<AccessRequestRow>(getTableColumns(accessRequests));
const approvalRow = rawMapper<ApprovalRow>(getTableColumns(approvals));

export function requestFromRaw(row: Record<string, unknown>): AccessRequest {
  return toAccessRequest(requestRow(row));
}

export function approvalFromRaw(row: Record<string, unknown>): Approval {
  return toApproval(approvalRow(row));
}
