import { type InvokeResponse, TeamsActivityHandler, TurnContext } from 'botbuilder';
import { auditRefusal } from '../../core/audit/refusals.js';
import type { CoreDeps } from '../../core/lifecycle/deps.js';
import type { ChatPort } from '../../core/ports/chat.js';
import type { Logger } from '../../core/ports/runtime.js';
import type { RequestOrigin } from '../../core/types.js';
import { neutraliseControls } from '../../core/views/safe-text.js';
import type { ProfileZones } from '../profile-zones.js';
import { actionOfInvoke } from './action-data.js';
import { type ActionOutcome, interimOutcome, runAction } from './actions.js';
import { channelDataOf, localZoneOf, referenceOf, submittedAction, tenantOf } from './activity.js';
import type { ChannelDirectory } from './channels.js';
import { type CommandReplier, handleMessage } from './commands.js';
import type { Directory, MemberInfo } from './identity.js';
import { onChannelChanged, onInstalled, type TeamsApi } from './install.js';
import { createInvokeRunner, toInvokeResponse } from './invoke.js';
import { baseConversationId, type ReferenceStore } from './references.js';

export interface BotParts {
  deps: () => CoreDeps;
  refs: ReferenceStore;
  directory: Directory;
  channels: ChannelDirectory;
  /** Where the sender's client zone (`localTimezone`) is noted once their email is known; scoring reads it. */
  zones: ProfileZones;
  api: TeamsApi;
  /** The Teams chat port, for telling a clicker about an outcome that arrived after the invoke was answered. */
  chat: ChatPort;
  log: Logger;
  invokeDeadlineMs: number;
  track: (work: Promise<unknown>) => void;
}

const UNKNOWN_USER =
  'Keycard could not find the email address of your Teams account, so it cannot tell which policy groups you are in. Ask your Teams admin to set your mail or UPN.';
const FAILED = 'Something went wrong on Keycard’s side; nothing was changed. The operators can find details in the log.';

/** The Teams bot: commands in messages, card clicks as invokes (or Action.Submit messages), installs and references. */
export class KeycardTeamsBot extends TeamsActivityHandler {
  private readonly invokes;
  private readonly scanned = new Map<string, number>();

  constructor(private readonly parts: BotParts) {
    super();
    this.invokes = createInvokeRunner({
      deadlineMs: parts.invokeDeadlineMs,
      now: () => Date.now(),
      log: parts.log,
      track: parts.track,
    });
    // Every activity refreshes the stored reference (serviceUrl can move between regions).
    this.onTurn(async (context, next) => {
      const found = referenceOf(context.activity);
      if (found) await parts.refs.save(found.key, found.reference);
      await next();
    });
    this.onMessage(async (context, next) => {
      await this.message(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const added = context.activity.membersAdded ?? [];
      if (added.some((m) => m.id === context.activity.recipient?.id)) await onInstalled(context, this.installParts());
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await onInstalled(context, this.installParts());
      await next();
    });
    this.onTeamsChannelCreatedEvent(async (channel, _team, context, next) => {
      await onChannelChanged(context, channel, this.parts);
      await next();
    });
    this.onTeamsChannelRenamedEvent(async (channel, _team, context, next) => {
      await onChannelChanged(context, channel, this.parts);
      await next();
    });
  }

  private installParts() {
    return {
      refs: this.parts.refs,
      channels: this.parts.channels,
      api: this.parts.api,
      directory: this.parts.directory,
      identify: (context: TurnContext) => this.actor(context),
      log: this.parts.log,
      now: () => Date.now(),
      scanned: this.scanned,
    };
  }

  /**
   * The sender's email (policy groups are lists of emails), from their AAD object id. The zone their client
   * sent with this activity is noted for that email (or an older one forgotten), so this turn is scored on it.
   */
  private async actor(context: TurnContext): Promise<string | undefined> {
    const email = await this.sender(context);
    if (!email) return undefined;
    const zone = localZoneOf(context.activity);
    if (!this.parts.zones.note(email, zone) && zone)
      this.parts.log.debug(
        { aadObjectId: context.activity.from?.aadObjectId },
        'Teams localTimezone is not a time zone this runtime knows: ignored',
      );
    return email;
  }

  private async sender(context: TurnContext): Promise<string | undefined> {
    const from = context.activity.from;
    if (!from?.id) return undefined;
    // A configured directory (Entra) that knows this object id names the person: one mapping for every surface.
    const mapped = from.aadObjectId ? this.parts.deps().directory.emailOfObjectId(from.aadObjectId) : undefined;
    if (mapped) return mapped;
    const lookup = (): Promise<MemberInfo> => this.parts.api.getMember(context, from.id);
    return this.parts.directory.emailOf(from, tenantOf(context.activity), lookup);
  }

  /** A Teams account Keycard cannot map to a person tried to act: audited with its ids. */
  private async auditUnknown(context: TurnContext): Promise<void> {
    const from = context.activity.from;
    await auditRefusal(this.parts.deps(), {
      operation: 'identify',
      actor: `teams:${from?.aadObjectId ?? from?.id ?? 'unknown'}`,
      code: 'unknown_user',
      message: UNKNOWN_USER,
      details: { platform: 'teams', userId: from?.id ?? null, tenantId: tenantOf(context.activity) ?? null },
    });
  }

  /**
   * Where a command or click came from. The channel's name lets core link a request made in an incident
   * channel (#inc-4211): Teams sends it in some activities, otherwise it is the name learned on install.
   */
  private async origin(context: TurnContext): Promise<RequestOrigin> {
    const { activity } = context;
    const user = activity.from?.aadObjectId;
    const conversation = activity.conversation;
    let channelName = channelDataOf(activity).channel?.name;
    if (!channelName && conversation?.conversationType === 'channel' && conversation.id) {
      channelName = (await this.parts.channels.get(baseConversationId(conversation.id)))?.name;
    }
    return {
      platform: 'teams',
      channel: conversation?.id,
      ...(channelName ? { channelName } : {}),
      ...(user ? { user } : {}),
    };
  }

  private async safely(run: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
    try {
      return await run();
    } catch (error) {
      this.parts.log.error({ err: error instanceof Error ? error.message : String(error) }, 'teams action failed');
      return { kind: 'message', text: FAILED };
    }
  }

  private async message(context: TurnContext): Promise<void> {
    const submitted = submittedAction(context.activity);
    const actor = await this.actor(context);
    if (!actor) {
      await this.auditUnknown(context);
      await context.sendActivity(UNKNOWN_USER);
      return;
    }
    const deps = this.parts.deps();
    if (submitted) {
      // Action.Submit fallback (clients without Universal Actions): the same handler, answered as a message.
      const origin = await this.origin(context);
      const replyTo = context.activity.replyToId;
      const outcome = await this.safely(() => runAction({ deps, actor, origin, ...(replyTo ? { messageId: replyTo } : {}) }, submitted));
      await replyWithOutcome(context, outcome);
      return;
    }
    const replier: CommandReplier = { deps, actor, origin: await this.origin(context) };
    await handleMessage(context, TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '', replier);
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name !== 'adaptiveCard/action') return super.onInvokeActivity(context);
    const action = actionOfInvoke(context.activity.value);
    if (!action) return toInvokeResponse({ kind: 'message', text: 'Keycard does not know this button.' });
    const actor = await this.actor(context);
    if (!actor) {
      await this.auditUnknown(context);
      return toInvokeResponse({ kind: 'message', text: UNKNOWN_USER });
    }
    const deps = this.parts.deps();
    const replyTo = context.activity.replyToId;
    const ctx = { deps, actor, origin: await this.origin(context), ...(replyTo ? { messageId: replyTo } : {}) };
    return this.invokes.run({
      id: context.activity.id,
      work: () => this.safely(() => runAction(ctx, action)),
      interim: () => this.safely(() => interimOutcome(deps, action)),
      late: (outcome) => this.parts.chat.sendDirect(actor, { kind: 'info', text: outcome.text }),
    });
  }
}

/** Answers an Action.Submit: replaces the clicked card when Teams says which it was, otherwise replies. */
async function replyWithOutcome(context: TurnContext, outcome: ActionOutcome): Promise<void> {
  if (outcome.kind === 'message') {
    // Plain text, so no markdown; outside text in it (a reason, a resource name) still has its controls made visible.
    await context.sendActivity({ type: 'message', text: neutraliseControls(outcome.text), textFormat: 'plain' });
    return;
  }
  const activity = {
    type: 'message',
    summary: neutraliseControls(outcome.text),
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: outcome.card }],
  };
  const replyTo = context.activity.replyToId;
  if (replyTo) await context.updateActivity({ ...activity, id: replyTo });
  else await context.sendActivity(activity);
}
