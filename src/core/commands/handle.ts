import { decide } from '../lifecycle/decide.js';
import type { CoreDeps } from '../lifecycle/deps.js';
import { requestExtension } from '../lifecycle/extend.js';
import { cancel, endGrant, retryRevokeNow, review } from '../lifecycle/manage.js';
import { loadView } from '../lifecycle/notify.js';
import { overview, requestStatus } from '../lifecycle/queries.js';
import { submitRequest } from '../lifecycle/submit.js';
import type { Result } from '../result.js';
import type { AccessRequest, RequestOrigin } from '../types.js';
import { safeErrorMessage, unstorableText } from '../views/safe-text.js';
import { parseCommand } from './parse.js';
import type { Reply } from './reply.js';
import type { Catalog, Command } from './types.js';
import { helpText } from './usage.js';

export function catalogOf(deps: CoreDeps): Catalog {
  const policy = deps.policy();
  return {
    resources: Object.fromEntries(Object.entries(policy.resources).map(([name, r]) => [name, { levels: Object.keys(r.levels) }])),
    incidentKeyPattern: policy.incidents.keyPattern,
  };
}

/** Parses and runs one command for `actor` (an email). The single entry point every chat surface calls. */
export async function handleCommand(deps: CoreDeps, input: { actor: string; text: string; origin: RequestOrigin }): Promise<Reply> {
  // Refused before parsing, so nothing unstorable ever reaches a query (or a log line with one in it).
  const unstorable = unstorableText(input.text);
  if (unstorable) return { kind: 'error', message: `The command ${unstorable}; retype it without that character.` };
  const parsed = parseCommand(input.text, catalogOf(deps));
  if (!parsed.ok) return { kind: 'error', message: parsed.message, usage: parsed.usage };
  return runCommand(deps, parsed.command, input.actor, input.origin);
}

export async function runCommand(deps: CoreDeps, command: Command, actor: string, origin: RequestOrigin): Promise<Reply> {
  try {
    return await dispatch(deps, command, actor, origin);
  } catch (error) {
    deps.log.error({ command: command.kind, err: safeErrorMessage(error) }, 'command failed');
    return {
      kind: 'error',
      message: 'Something went wrong on Keycard’s side; nothing was changed by this command. The operators can find details in the log.',
    };
  }
}

async function dispatch(deps: CoreDeps, command: Command, actor: string, origin: RequestOrigin): Promise<Reply> {
  switch (command.kind) {
    case 'help':
      return { kind: 'help', text: helpText(Object.keys(deps.policy().resources)) };
    case 'list':
      return { kind: 'overview', overview: await overview(deps, actor) };
    case 'status': {
      const view = await requestStatus(deps, command.number);
      return view.ok ? { kind: 'request', event: 'status', request: view.value } : { kind: 'error', message: view.message };
    }
    case 'request': {
      const { kind: _kind, ...fields } = command;
      return toReply(deps, 'submitted', await submitRequest(deps, { requester: actor, ...fields, origin }));
    }
    case 'extend':
      return toReply(
        deps,
        'submitted',
        await requestExtension(deps, { number: command.number, actor, durationMs: command.durationMs, reason: command.reason, origin }),
      );
    case 'approve':
    case 'deny': {
      const result = await decide(deps, {
        number: command.number,
        actor,
        decision: command.kind,
        comment: command.kind === 'approve' ? command.comment : command.reason,
      });
      if (!result.ok) return { kind: 'error', message: result.message };
      const note = result.value.final ? undefined : `Your approval is recorded (${result.value.counted} of ${result.value.required}).`;
      return { kind: 'request', event: 'decided', request: await loadView(deps, result.value.request), ...(note ? { note } : {}) };
    }
    case 'release':
    case 'revoke':
      return toReply(deps, 'ended', await endGrant(deps, { number: command.number, actor, reason: command.reason, mode: command.kind }));
    case 'cancel':
      return toReply(deps, 'cancelled', await cancel(deps, { number: command.number, actor }));
    case 'review':
      return toReply(deps, 'reviewed', await review(deps, { number: command.number, actor, comment: command.comment }));
    case 'retry':
      return toReply(deps, 'ended', await retryRevokeNow(deps, { number: command.number, actor }));
  }
}

async function toReply(deps: CoreDeps, event: Extract<Reply, { kind: 'request' }>['event'], result: Result<AccessRequest>): Promise<Reply> {
  if (!result.ok) return { kind: 'error', message: result.message };
  return { kind: 'request', event, request: await loadView(deps, result.value) };
}
