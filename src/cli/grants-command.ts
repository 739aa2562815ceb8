import { parseRequestId } from '../core/commands/parse.js';
import { retryRevokeNow } from '../core/lifecycle/manage.js';
import { checkFlags, flagString, type ParsedArgs, SWITCH, UsageError } from './args.js';
import { withContext } from './context.js';
import type { CliIo } from './io.js';

export const GRANTS_USAGE = `Usage:
  keycard grants retry KC-12 --as EMAIL [--json]

retry: tries the revocation of a grant stuck in revoking or revoke_failed once more, now, instead of
waiting for the next automatic retry. EMAIL must be allowed to end the grant for others (an approver of
its tier or a reviewer, as in chat); the attempt is audited under that name. The grant is shown revoked
only when the target confirmed it. Exit code 0 when revoked, 3 when the attempt failed again (Keycard
keeps retrying by itself), 1 when the retry was refused.`;

export async function grantsCommand(io: CliIo, args: ParsedArgs): Promise<number> {
  if (args.flags.has('help')) {
    io.out(GRANTS_USAGE);
    return 0;
  }
  const [sub, id] = args.positionals;
  if (sub !== 'retry') throw new UsageError(sub === undefined ? 'name a subcommand (retry)' : `unknown subcommand "${sub}"`, GRANTS_USAGE);
  checkFlags(args, { as: 'the e-mail address of an approver or reviewer, e.g. --as alice@example.com', json: SWITCH }, GRANTS_USAGE, 2);
  const number = parseRequestId(id);
  if (number === undefined)
    throw new UsageError(id === undefined ? 'retry needs a grant id such as KC-12' : `"${id}" is not a grant id`, GRANTS_USAGE);
  const actor = flagString(args, 'as');
  if (!actor?.includes('@')) throw new UsageError('--as EMAIL says who retries it (an approver or reviewer)', GRANTS_USAGE);
  return withContext(io, async ({ deps }) => {
    const result = await retryRevokeNow(deps, { number, actor });
    if (!result.ok) {
      io.err(result.message);
      return 1;
    }
    const grant = result.value;
    const revoked = grant.status === 'revoked' || grant.status === 'expired';
    if (args.flags.has('json')) {
      io.out(
        JSON.stringify({ ref: `KC-${grant.number}`, status: grant.status, attempts: grant.attempts, lastError: grant.lastError }, null, 2),
      );
    } else if (revoked) {
      io.out(`KC-${grant.number} is ${grant.status}: the target confirmed the revoke.`);
    } else {
      io.out(
        `KC-${grant.number} is still ${grant.status.replace('_', ' ')} after attempt ${grant.attempts}: ${grant.lastError ?? 'unknown error'}. ` +
          `Keycard keeps retrying${grant.nextAttemptAt ? `; next automatic attempt ${grant.nextAttemptAt.toISOString()}` : ''}.`,
      );
    }
    return revoked ? 0 : 3;
  });
}
