import { z } from 'zod';
import type { ProviderSchemas } from '../../src/core/ports/provider.js';

/** Stand-ins for real providers: a settings-free demo and a Postgres-like one that needs a role and a connection. */
export const fakeProviderSchemas: Record<string, ProviderSchemas> = {
  demo: {
    resourceConfig: z.object({}).strict(),
    levelConfig: z.object({ note: z.string().optional() }).strict(),
    requiresConnection: false,
  },
  fakepg: {
    resourceConfig: z.object({ connectionLimit: z.number().int().min(1).default(3) }).strict(),
    levelConfig: z.object({ role: z.string().regex(/^[a-z_]+$/, { message: 'must be a plain role name' }) }).strict(),
    requiresConnection: true,
  },
};

/** A small valid policy; tests break one line of it at a time. */
export const validPolicy = `timezone: Europe/Berlin
groups:
  sre: [bob@example.com, erin@example.com]
  db-owners: [carol@example.com]
resources:
  demo-db:
    description: Demo database
    provider: demo
    sensitivity: high
    levels:
      read:
      write: { note: careful }
    maxDuration: 4h
  orders:
    provider: fakepg
    sensitivity: medium
    connection: env:ORDERS_ADMIN_URL
    levels:
      read: { role: orders_ro }
tiers:
  low: { upTo: 14, approvals: 0 }
  medium: { upTo: 49, approvals: 1, approvers: [sre] }
  high: { upTo: 74, approvals: 1, approvers: [db-owners] }
  critical: { approvals: 2, approvers: [db-owners, sre], distinctGroups: true }
`;

/** 1-based line of the first line containing `needle`, so tests do not hard-code line numbers. */
export function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`fixture has no line containing ${needle}`);
  return index + 1;
}

/** 1-based column where `needle` starts on its line. */
export function columnOf(text: string, needle: string): number {
  const line = text.split('\n').find((candidate) => candidate.includes(needle));
  if (line === undefined) throw new Error(`fixture has no line containing ${needle}`);
  return line.indexOf(needle) + 1;
}
