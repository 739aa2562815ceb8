import { randomUUID } from 'node:crypto';
import type { Activity, TurnContext } from 'botbuilder';
import { auditRefusal } from '../../core/audit/refusals.js';
import type { CoreDeps } from '../../core/lifecycle/deps.js';
import type { Directory } from '../../core/ports/directory.js';
import { type Logger, silentLogger } from '../../core/ports/runtime.js';
import { KeycardError } from '../../core/result.js';
import type { ChatAdapter } from '../adapter.js';
import { withProfileZones } from '../profile-zone-directory.js';
import { createProfileZones } from '../profile-zones.js';
import { checkTeamsAuthConfig, createAuthentication, KeycardCloudAdapter } from './auth.js';
import { KeycardTeamsBot } from './bot.js';
import { createChannelDirectory } from './channels.js';
import { allowedTenant, type TeamsAdapterConfig } from './config.js';
import { createMessagesRoute } from './http.js';
import { createDirectory } from './identity.js';
import { type TeamsApi, teamsInfoApi } from './install.js';
import { createReferenceStore } from './references.js';
import { type RetryOptions, withRetry } from './retry.js';
import { createTeamsChat } from './teams-chat.js';
import { createRateLimiter, createSerialQueue } from './throttle.js';
import { createCloudTransport, type TeamsTransport } from './transport.js';

export type { TeamsAdapterConfig } from './config.js';
export type { TeamsApi } from './install.js';
export type { StoredReference } from './references.js';
export type { OutboundMessage, TeamsTransport } from './transport.js';

export interface TeamsAdapterOptions {
  log?: Logger;
  /** Test seam: where proactive messages go (default: the Bot Connector through CloudAdapter). */
  transport?: TeamsTransport;
  /** Test seam: TeamsInfo lookups (TestAdapter has no connector to answer them). */
  api?: TeamsApi;
  /** Budget for answering a card click before the work is finished (default 500 ms; Teams gives up after a few seconds). */
  invokeDeadlineMs?: number;
  /** Test seams for rate limiting and retry backoff. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  retry?: Pick<RetryOptions, 'retries' | 'minDelayMs' | 'maxDelayMs'>;
}

export interface TeamsAdapter extends ChatAdapter {
  /** The bot; `run(context)` handles one turn (TestAdapter flows drive it directly). */
  readonly bot: { run(context: TurnContext): Promise<void> };
  /** Resolves once work that outlived an invoke's answer (grants, late messages) has finished. */
  idle(): Promise<void>;
}

const DEFAULT_INVOKE_DEADLINE_MS = 500;
const STOP_WAIT_MS = 10_000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The Microsoft Teams chat adapter: `POST /api/messages` on Keycard's HTTP server, commands and
 * Adaptive Card approvals in, proactive cards and DMs out. All botbuilder code stays in this folder.
 */
export function createTeamsAdapter(config: TeamsAdapterConfig, options: TeamsAdapterOptions = {}): TeamsAdapter {
  const log = options.log ?? silentLogger;
  checkTeamsAuthConfig(config);
  let deps: CoreDeps | undefined;
  let serving = false;
  // The zone each sender's Teams client reports (`localTimezone`), noted by the bot when it identifies them.
  const zones = createProfileZones({ clock: { now: () => new Date(now()) } });
  let zoned: { source: Directory; directory: Directory } | undefined;
  /**
   * Core as the Teams listeners see it: requests from Teams are scored on the requester's client zone when no
   * directory source gives one. Derived on each call from the deps `start` was given, so it never holds a stale copy.
   */
  const requireDeps = (): CoreDeps => {
    if (!deps) throw new KeycardError('teams_not_started', 'the Teams adapter has not been started');
    if (zoned?.source !== deps.directory) zoned = { source: deps.directory, directory: withProfileZones(deps.directory, zones) };
    return { ...deps, directory: zoned.directory };
  };
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const settled = work.catch(() => undefined);
    pending.add(settled);
    void settled.then(() => pending.delete(settled));
  };
  const idle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };

  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const limiter = createRateLimiter({ now, sleep });
  const retry: RetryOptions = { sleep, random, ...options.retry };
  const cloud = new KeycardCloudAdapter(createAuthentication(config));
  // In emulator mode the authentication has no app id, so proactive calls must not claim one either.
  const transport = options.transport ?? createCloudTransport(cloud, config.allowUnauthenticated ? '' : config.appId);
  const refs = createReferenceStore(() => requireDeps().store.state);
  const directory = createDirectory({ state: () => requireDeps().store.state, now, log });
  const channels = createChannelDirectory(() => requireDeps().store.state);
  const chat = createTeamsChat({
    refs,
    directory,
    channels,
    transport,
    deliver: (conversationId, operation) =>
      withRetry(async () => {
        await limiter.acquire(conversationId);
        return operation();
      }, retry),
    serial: createSerialQueue(),
    core: requireDeps,
    log,
    holder: randomUUID(),
  });
  const bot = new KeycardTeamsBot({
    deps: requireDeps,
    refs,
    directory,
    channels,
    zones,
    api: options.api ?? teamsInfoApi,
    chat,
    log,
    invokeDeadlineMs: options.invokeDeadlineMs ?? DEFAULT_INVOKE_DEADLINE_MS,
    track,
  });
  const tenantId = allowedTenant(config);
  const route = createMessagesRoute({
    adapter: cloud,
    logic: (context) => bot.run(context),
    log,
    ...(tenantId ? { tenantId } : {}),
    loopbackOnly: config.allowUnauthenticated,
    isServing: () => serving,
    admit: (activity) => admitActivity(requireDeps(), activity),
    refuseTenant: (activity, tenant) =>
      auditRefusal(requireDeps(), {
        operation: 'identify',
        actor: `teams:${activity.from?.aadObjectId ?? activity.from?.id ?? 'unknown'}`,
        code: 'wrong_tenant',
        message: `refused a Teams activity from tenant ${tenant ?? '(none)'}; this Keycard serves ${tenantId}`,
        details: { platform: 'teams', tenantId: tenant ?? null, type: activity.type },
      }),
  });

  return {
    platform: 'teams',
    chat,
    // Listing a Teams channel's members needs Microsoft Graph (ChannelMember.Read.All), which this app does not
    // ask for, and a channel's name proves nothing: on Teams, responders are unknown (on call still counts).
    incidentResponders: { isResponder: async () => undefined },
    bot,
    idle,
    routes: () => [{ path: '/api/messages', handler: route }],
    async start(core) {
      deps = core;
      if (config.allowUnauthenticated) {
        log.warn(
          'TEAMS LOCAL MODE (KEYCARD_TEAMS_ALLOW_UNAUTHENTICATED=true, no MICROSOFT_APP_ID): /api/messages accepts requests WITHOUT authentication, from loopback only (127.0.0.1, ::1). For the Bot Framework Emulator; never in production.',
        );
      }
      serving = true;
      log.info({ appType: config.appType, tenantRestricted: Boolean(tenantId) }, 'teams adapter serving /api/messages');
    },
    async ready() {
      return serving;
    },
    async stop() {
      serving = false;
      await Promise.race([idle(), realSleep(STOP_WAIT_MS)]);
    },
  };
}

/** Bot Framework redelivers an activity it saw no answer for; its id is processed once on any replica. */
const ACTIVITY_ID_TTL_MS = 60 * 60_000;

async function admitActivity(deps: CoreDeps, activity: Activity): Promise<boolean> {
  if (!activity.id) return true;
  const key = `${activity.conversation?.id ?? ''}:${activity.id}`;
  return deps.store.inbound.claim('teams', key, deps.clock.now(), ACTIVITY_ID_TTL_MS);
}
