import { resolve } from 'node:path';
import type { Policy } from '../core/policy/schema.js';
import type { AuditInput } from '../core/types.js';
import { historyPaths, readAuditFile } from '../risk-lab/history-files.js';
import type { GroundTruth } from '../risk-lab/simulate.js';
import { readStoreAudit, readStoreTruth } from '../risk-lab/store-history.js';
import { flagString, type ParsedArgs } from './args.js';
import { withContext } from './context.js';
import type { CliIo } from './io.js';
import { type LoadedPolicy, riskPolicy } from './risk-flags.js';

/**
 * Audit events from --from PATH, or from the configured database (with its generated history's ground truth, if
 * asked and there is one). `checkPolicy` sees the policy before any history is read: a flag the policy refuses
 * (an --incident that is not a key by its pattern) fails before a long read.
 */
export async function historyEvents(
  io: CliIo,
  args: ParsedArgs,
  options: { storeTruth?: boolean; checkPolicy?: (policy: Policy) => void } = {},
): Promise<{ events: AuditInput[]; policy: LoadedPolicy; truthPath?: string; truth?: GroundTruth }> {
  const from = flagString(args, 'from');
  if (from) {
    const paths = historyPaths(resolve(io.cwd, from));
    const policy = await riskPolicy(io, args, paths.policy);
    options.checkPolicy?.(policy.policy);
    return {
      events: await readAuditFile(paths.audit),
      policy,
      ...(paths.truth ? { truthPath: paths.truth } : {}),
    };
  }
  const policy = flagString(args, 'policy') ? await riskPolicy(io, args) : undefined;
  return withContext(
    io,
    async (ctx) => {
      const loaded = policy ?? { policy: ctx.policy, text: '', sample: false };
      options.checkPolicy?.(loaded.policy);
      const truth = options.storeTruth ? await readStoreTruth(ctx.store) : undefined;
      return {
        events: await readStoreAudit(ctx.store),
        policy: loaded,
        ...(truth ? { truth } : {}),
      };
    },
    { readOnly: true },
  );
}

/** The ledger's history windows, from the policy's thresholds. */
export const windows = (policy: Policy) => ({
  historyWindowMs: policy.risk.thresholds.historyWindow,
  denialWindowMs: policy.risk.thresholds.denialWindow,
  velocityWindowMs: policy.risk.thresholds.velocityWindow,
});
