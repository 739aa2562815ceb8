import { insertSortedBy, lowerBound } from './history-tracker.js';

/**
 * How many other people a look-up counts at most: enough to tell a shared template from a colleague's
 * sentence, and it bounds the store's scan for a sentence thousands gave.
 */
export const REASON_PEERS_CAP = 50;

/**
 * Only the sentence's latest uses by other people in the window are read, at most this many: a template given
 * thousands of times is judged by its recent uses, and the look-up's cost stays bounded.
 */
export const REASON_PEERS_SCAN = 200;

/**
 * Who gave which reason, organisation-wide, for the audit replay: the count the store's reason look-up
 * (`Store.reasonPeers`) answers, computed from the requests fed in so far in submission order.
 */
export interface ReasonPeers {
  /** Records that `requester` gave the reason with this key (normaliseReason) at `at`. */
  add(reasonKey: string, requester: string, at: number): void;
  /**
   * People other than `requester` who gave it at or after `since` and before `until`, among its latest
   * REASON_PEERS_SCAN uses by others there, at most REASON_PEERS_CAP.
   */
  count(reasonKey: string, requester: string, since: number, until: number): number;
}

export function createReasonPeers(): ReasonPeers {
  // Per reason key, who gave it and when, ascending by time (submissions arrive in order).
  const byKey = new Map<string, Array<{ at: number; requester: string }>>();
  return {
    add(reasonKey, requester, at) {
      if (reasonKey === '') return;
      const list = byKey.get(reasonKey) ?? [];
      insertSortedBy(list, { at, requester }, (e) => e.at);
      byKey.set(reasonKey, list);
    },
    count(reasonKey, requester, since, until) {
      const list = byKey.get(reasonKey);
      if (!list) return 0;
      const people = new Set<string>();
      let read = 0;
      // From the last use before `until` backwards (a replay of everything asks about the past, too).
      for (let i = lowerBound(list, until, (e) => e.at) - 1; i >= 0 && read < REASON_PEERS_SCAN; i -= 1) {
        const e = list[i]!;
        if (e.at < since) break;
        if (e.requester === requester) continue;
        read += 1;
        people.add(e.requester);
      }
      return Math.min(people.size, REASON_PEERS_CAP);
    },
  };
}
