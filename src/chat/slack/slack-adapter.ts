import { randomUUID } from 'node:crypto';
import { App } from '@slack/bolt';
import type { CoreDeps } from '../../core/lifecycle/deps.js';
import { silentLogger } from '../../core/ports/runtime.js';
import { KeycardError } from '../../core/result.js';
import type { ChatAdapter } from '../adapter.js';
import { withProfileZones } from '../profile-zone-directory.js';
import { createProfileZones } from '../profile-zones.js';
import { createBoltLogger } from './bolt-logger.js';
import { type BotIdentity, verifyBotToken } from './bot-auth.js';
import { createAdmission } from './http/admission.js';
import { createDeliveryGuard } from './http/delivery-guard.js';
import { SignedHttpReceiver } from './http/http-receiver.js';
import { createIdentity } from './identity.js';
import { createChannelDirectory } from './incident/channel-directory.js';
import { createSlackIncidentResponders } from './incident/incident-responders.js';
import { registerAnomalyActions } from './listeners/anomaly-actions.js';
import { publishHome, registerAppHome } from './listeners/app-home.js';
import { registerCardActions } from './listeners/card-actions.js';
import { registerCommand } from './listeners/command.js';
import type { ListenerContext } from './listeners/context.js';
import { registerGrantActions } from './listeners/grant-actions.js';
import { registerRequestModal } from './listeners/request-modal.js';
import {
  ADMISSION_MAX_HOLD_MS,
  DEFAULT_ACK_TIMEOUT_MS,
  DEFAULT_CONCURRENT_DELIVERIES,
  DEFAULT_IDENTITY_TTL_MS,
  type SlackAdapterConfig,
  type SlackAdapterOptions,
} from './options.js';
import { createSerialQueue } from './serial-queue.js';
import { createSlackChat } from './slack-chat.js';
import { createSocketConnection, dropRedeliveries } from './socket-mode.js';
import { createSlackClients } from './web-clients.js';

/** How long stop() waits for queued card updates and DMs before giving up on them. */
const DRAIN_MS = 5000;
/** How long the channel list used to find incident channels is reused (a new #inc- channel shows up after this). */
const CHANNEL_LIST_TTL_MS = 60_000;
/** An incident channel's member list is re-read after this (and sooner for someone missing from it). */
const CHANNEL_MEMBERS_TTL_MS = 60_000;

/**
 * Keycard on Slack. HTTP mode serves `/slack/events` on Keycard's own server (slash command,
 * interactivity and events share it); with an app token it uses Socket Mode and serves no route.
 */
export function createSlackAdapter(config: SlackAdapterConfig, options: SlackAdapterOptions = {}): ChatAdapter {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? { now: () => new Date() };
  if (config.socketMode && !config.appToken)
    throw new KeycardError('slack_config', 'Socket Mode needs SLACK_APP_TOKEN (an xapp- token with connections:write)');
  if (!config.socketMode && !config.signingSecret)
    throw new KeycardError('slack_config', 'set SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)');

  const clients = createSlackClients(config, options, log);
  // Slack profile zones (users.info `tz`), noted by the identity on each users.info lookup; they outlive its e-mail cache.
  const zones = createProfileZones({ clock });
  const identity = createIdentity({ ...clients, clock, log, ttlMs: options.identityTtlMs ?? DEFAULT_IDENTITY_TTL_MS, zones });
  const queue = createSerialQueue();
  let core: CoreDeps | undefined;
  let bot: BotIdentity | undefined;
  const channels = createChannelDirectory({ client: clients.outbound, clock, log, ttlMs: CHANNEL_LIST_TTL_MS });
  const chat = createSlackChat({ outbound: clients.outbound, identity, queue, log, channels, holder: randomUUID(), core: () => core });
  const incidentResponders = createSlackIncidentResponders({
    client: clients.outbound,
    channels,
    incidents: () => {
      if (!core) throw new KeycardError('slack_not_started', 'the Slack adapter has not started yet');
      return core.policy().incidents;
    },
    userIdOf: (email) => identity.userIdOf(email),
    clock,
    log,
    ttlMs: CHANNEL_MEMBERS_TTL_MS,
  });

  // Replays and retries are recognised across replicas (the shared inbound-event table); requests from
  // any workspace but the installation's (auth.test at start, or the configured pins) are refused.
  const guard = createDeliveryGuard({
    core: () => {
      if (!core) throw new KeycardError('slack_not_started', 'the Slack adapter has not started yet');
      return core;
    },
    installation: () => (bot ? installationOf(config, bot) : undefined),
    log,
  });
  const http = config.socketMode
    ? undefined
    : new SignedHttpReceiver({
        signingSecret: config.signingSecret ?? '',
        clock,
        log,
        ackTimeoutMs: options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
        guard,
        admission: createAdmission({
          limit: options.concurrentDeliveries ?? config.concurrentDeliveries ?? DEFAULT_CONCURRENT_DELIVERIES,
          maxHoldMs: options.deliverySlotHoldMs ?? ADMISSION_MAX_HOLD_MS,
        }),
      });
  const socket = config.socketMode ? createSocketConnection(config.appToken ?? '', clients.interactiveOptions, options, log) : undefined;
  const app = new App({
    receiver: socket?.receiver ?? http,
    // Single workspace: the token is fixed, and the bot's ids come from one auth.test at start
    // (Bolt would otherwise call auth.test on every request, on the ack path).
    authorize: async () => ({
      botToken: config.botToken,
      ...(bot ? { botUserId: bot.userId } : {}),
      ...(bot?.botId ? { botId: bot.botId } : {}),
    }),
    logger: createBoltLogger(log),
    clientOptions: clients.interactiveOptions,
    convoStore: false,
  });
  app.error(async (error) => {
    log.error({ code: error.code, err: error.message }, 'a Slack listener failed');
  });
  if (socket) dropRedeliveries(app, guard, log);

  const ctx: ListenerContext = {
    core: () => {
      if (!core) throw new KeycardError('slack_not_started', 'the Slack adapter has not started yet');
      return core;
    },
    identity,
    interactive: clients.interactive,
    log,
    fetch: clients.fetch,
    apiUrl: config.apiUrl,
    publishHome: (userId, notice) => publishHome(ctx, userId, notice),
  };
  registerCommand(app, ctx);
  registerCardActions(app, ctx);
  registerRequestModal(app, ctx);
  registerGrantActions(app, ctx);
  registerAnomalyActions(app, ctx);
  registerAppHome(app, ctx);

  let started = false;
  return {
    platform: 'slack',
    chat,
    incidentResponders,
    routes: () => (http ? [{ path: '/slack/events', handler: http.handle }] : []),
    async start(deps: CoreDeps) {
      // Requests from Slack are scored on the requester's Slack profile zone when no directory source gives one.
      core = { ...deps, directory: withProfileZones(deps.directory, zones) };
      const identity = await verifyBotToken(clients.interactive);
      checkPins(config, identity);
      bot = identity;
      await app.start();
      started = true;
      log.info({ mode: socket ? 'socket' : 'http', botUserId: bot.userId }, 'Slack adapter started');
      if (deps.policy().incidents.slackChannelCreators.length === 0) {
        log.info(
          'incident channels are recognised by name alone: anyone who can create #inc-4211 first decides where INC-4211 is threaded and who counts as its responder; set incidents.slackChannelCreators to your incident tool’s Slack user id',
        );
      }
    },
    async ready() {
      return started && (socket ? socket.connected() : true);
    },
    async stop() {
      started = false;
      // Listeners still running (a provider that hangs) and queued card updates get a bounded grace period.
      const drain = Promise.all([socket ? socket.disconnect() : app.stop(), queue.idle()]);
      await Promise.race([drain, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    },
  };
}

/** The installation requests must come from: configured pins first, else what auth.test said. */
function installationOf(config: SlackAdapterConfig, bot: BotIdentity) {
  const teamId = config.teamId ?? bot.teamId;
  const enterpriseId = config.enterpriseId ?? bot.enterpriseId;
  return { ...(teamId ? { teamId } : {}), ...(enterpriseId ? { enterpriseId } : {}), ...(config.appId ? { appId: config.appId } : {}) };
}

/** A configured pin the bot token does not belong to is a configuration mistake worth stopping for. */
function checkPins(config: SlackAdapterConfig, bot: BotIdentity): void {
  if (config.teamId && bot.teamId && config.teamId !== bot.teamId)
    throw new KeycardError(
      'slack_team_mismatch',
      `SLACK_TEAM_ID is ${config.teamId} but SLACK_BOT_TOKEN belongs to workspace ${bot.teamId}: fix one of them`,
    );
  if (config.enterpriseId && bot.enterpriseId && config.enterpriseId !== bot.enterpriseId)
    throw new KeycardError(
      'slack_enterprise_mismatch',
      `SLACK_ENTERPRISE_ID is ${config.enterpriseId} but SLACK_BOT_TOKEN belongs to enterprise ${bot.enterpriseId}: fix one of them`,
    );
}
