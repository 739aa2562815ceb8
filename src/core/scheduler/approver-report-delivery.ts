import type { CoreDeps } from '../lifecycle/deps.js';
import { describeError } from '../lifecycle/provider-input.js';
import type { ChannelRef } from '../policy/schema.js';
import type { PlatformChat } from '../ports/chat.js';
import type { StateStore } from '../ports/state.js';
import type { Platform } from '../types.js';

const STATE = { namespace: 'risk', key: 'approver-report' } as const;

/** One platform's delivery of a slot's report: posted, or the last error (retried on the next run). */
export type PlatformDelivery = { postedAt: string } | { failedAt: string; error: string };

/** The report as first computed for a slot, so a platform that gets it on a retry gets the same text. */
export interface StoredReport {
  text: string;
  since: string;
  until: string;
  approvers: number;
  flagged: Array<{ approver: string; flags: string[] }>;
}

/** State `risk/approver-report`: the latest slot, its report and each platform's delivery of it. */
export interface ReportState {
  slot: string;
  report?: StoredReport;
  /** Absent in a record written before deliveries were tracked per platform: that slot reached every platform. */
  platforms?: Partial<Record<Platform, PlatformDelivery>>;
  /** When the slot's window ended with platforms still failing and that was logged (once, by one replica). */
  gaveUpAt?: string;
}

export async function readReportState(state: StateStore): Promise<ReportState | undefined> {
  const raw = await state.get(STATE.namespace, STATE.key);
  // Written only by writeReportState (or, without `platforms`, by the version before it).
  return typeof raw?.slot === 'string' ? (raw as unknown as ReportState) : undefined;
}

export async function writeReportState(state: StateStore, value: ReportState & { holder: string }): Promise<void> {
  await state.put(STATE.namespace, STATE.key, { ...value });
}

/** The platforms of this replica that have not had `slot`'s report yet. */
export function pendingPlatforms(platforms: readonly PlatformChat[], state: ReportState | undefined, slot: string): PlatformChat[] {
  if (state?.slot !== slot) return [...platforms];
  const done = state.platforms;
  if (!done) return [];
  return platforms.filter(({ platform }) => !(done[platform] && 'postedAt' in done[platform]));
}

/** The platforms `state` records as still failing for `slot`, with their last error, unless giving up on them was already logged. */
export function undeliveredPlatforms(
  state: ReportState | undefined,
  slot: string,
): Array<{ platform: Platform; failedAt: string; error: string }> {
  if (state?.slot !== slot || state.gaveUpAt !== undefined) return [];
  return Object.entries(state.platforms ?? {}).flatMap(([platform, delivery]) =>
    delivery && 'error' in delivery ? [{ platform: platform as Platform, failedAt: delivery.failedAt, error: delivery.error }] : [],
  );
}

export interface DeliveryResult {
  delivered: Platform[];
  failed: Platform[];
  platforms: Partial<Record<Platform, PlatformDelivery>>;
}

/**
 * Posts the report to each platform on its own, so one that fails is known by name and tried again on the
 * next run. A failure is logged at warn the first time it happens in a slot (and when its error changes),
 * at debug when it repeats: a platform with nowhere to post does not fill the log every minute.
 */
export async function deliverReport(
  deps: Pick<CoreDeps, 'log'>,
  targets: readonly PlatformChat[],
  channel: ChannelRef | undefined,
  text: string,
  before: ReportState['platforms'],
  slot: string,
  now: Date,
): Promise<DeliveryResult> {
  const result: DeliveryResult = { delivered: [], failed: [], platforms: {} };
  for (const { platform, chat } of targets) {
    try {
      await chat.postAlert(channel, { kind: 'info', text });
      result.delivered.push(platform);
      result.platforms[platform] = { postedAt: now.toISOString() };
    } catch (error) {
      const err = describeError(error);
      const previous = before?.[platform];
      const repeated = previous !== undefined && 'error' in previous && previous.error === err;
      const fields = { platform, what: 'approver-report', slot, err, retry: 'next run' };
      if (repeated) deps.log.debug(fields, 'chat delivery failed');
      else deps.log.warn(fields, 'chat delivery failed');
      result.failed.push(platform);
      result.platforms[platform] = { failedAt: now.toISOString(), error: err };
    }
  }
  return result;
}
