import { ownEntry } from '../core/policy/own-entry.js';
import { type InventoryEntry, type ResourceInventory, takeInventory } from '../core/rollout/inventory.js';
import { checkFlags, flagString, type ParsedArgs, SWITCH } from './args.js';
import { withContext } from './context.js';
import { accountFor, accountingText } from './inventory-accounting.js';
import type { CliIo } from './io.js';

export const INVENTORY_USAGE = `Usage:
  keycard inventory [--resource NAME] [--json]

Asks each resource's provider who can reach it today outside Keycard (standing access): Postgres login
roles in the level's group role or holding privileges on its objects, Kubernetes bindings to the level's
role, AWS account assignments of its permission set, or a webhook's inventory answer. For each standing
principal it shows how they got access and when they last requested the resource through Keycard.
Then it lists what Keycard cannot account for, from a dry-run reconcile: drift at the targets (objects
that look like Keycard's without a live grant, forged labels, grants whose revoke keeps failing), live
grants whose credential is gone, and grants already marked lost.
Read-only: nothing is changed at any target or in Keycard. Exit code 1 when a provider could not be read,
3 when drift or a live grant without its credential is found.`;

export async function inventoryCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  if (args.flags.has('help')) {
    io.out(INVENTORY_USAGE);
    return 0;
  }
  checkFlags(args, { resource: 'a resource name, e.g. --resource demo-db', json: SWITCH }, INVENTORY_USAGE, 0);
  const resource = flagString(args, 'resource');
  return withContext(
    io,
    async ({ deps, policy }) => {
      if (resource !== undefined && !ownEntry(policy.resources, resource)) {
        io.err(`Unknown resource "${resource}" (known: ${Object.keys(policy.resources).join(', ')}).`);
        return 2;
      }
      const report = await takeInventory(deps, resource === undefined ? {} : { resource });
      const accounting = await accountFor(deps, resource);
      if (args.flags.has('json')) io.out(JSON.stringify({ at: deps.clock.now(), resources: report, unaccounted: accounting }, null, 2));
      else for (const line of [...inventoryText(report), ...accountingText(accounting)]) io.out(line);
      if (report.some((r) => r.status === 'error' || r.status === 'no_secret') || accounting.check.errors.length > 0) return 1;
      const { orphans, missing } = accounting.check;
      // Grants already marked lost are listed but were reported when found; they do not fail the command again.
      return orphans.length + missing.length > 0 ? 3 : 0;
    },
    { readOnly: true },
  );
}

/** The human-readable report: a summary line per resource, then its standing principals by level. */
export function inventoryText(report: readonly ResourceInventory[]): string[] {
  const lines: string[] = [];
  for (const r of report) {
    lines.push(summaryLine(r));
    if (r.status !== 'ok') continue;
    const levels = [...new Set(r.standing.map((s) => s.level))];
    for (const level of levels) {
      lines.push(`  ${level}:`);
      const entries = r.standing.filter((s) => s.level === level);
      const width = Math.min(40, Math.max(...entries.map((e) => who(e).length)));
      for (const entry of entries) lines.push(`    ${who(entry).padEnd(width)}  ${entry.via}  · ${lastRequestText(entry)}`);
    }
  }
  return lines;
}

function summaryLine(r: ResourceInventory): string {
  const grants = `${r.activeGrants} active Keycard grant${r.activeGrants === 1 ? '' : 's'}${r.pilotGrants > 0 ? ` (+${r.pilotGrants} pilot)` : ''}`;
  const mode = r.mode === 'pilot' ? ' [pilot mode]' : '';
  switch (r.status) {
    case 'ok':
      return `${r.resource}${mode}: ${r.standingPrincipals} standing principal${r.standingPrincipals === 1 ? '' : 's'}, ${grants}`;
    case 'unsupported':
      return `${r.resource}${mode}: inventory not supported (${r.message ?? r.provider}), ${grants}`;
    case 'no_secret':
      return `${r.resource}${mode}: standing access unknown: ${r.message ?? 'connection secret not set'}, ${grants}`;
    case 'error':
      return `${r.resource}${mode}: could not read standing access: ${r.message ?? 'unknown error'}, ${grants}`;
  }
}

function who(entry: InventoryEntry): string {
  const kind = entry.kind && entry.kind !== 'user' && entry.kind !== 'role' ? ` (${entry.kind})` : '';
  const person = entry.requester && entry.requester !== entry.principal.toLowerCase() ? ` = ${entry.requester}` : '';
  return `${entry.principal}${kind}${person}`;
}

function lastRequestText(entry: InventoryEntry): string {
  const last = entry.lastRequest;
  if (last)
    return `last asked via Keycard ${last.at.toISOString().slice(0, 10)} (${last.ref}, ${last.status.replace('_', ' ')}${last.pilot ? ', pilot' : ''})`;
  if (entry.requester) return 'never asked via Keycard';
  return entry.kind === 'group' || entry.kind === 'serviceaccount' ? 'not a person' : 'never asked via Keycard (no matching requester)';
}
