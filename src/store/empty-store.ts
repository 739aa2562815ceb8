import type { StateStore } from '../core/ports/state.js';
import type { Store } from '../core/ports/store.js';
import { KeycardError } from '../core/result.js';

/**
 * The store of an embedded data directory that was never created: no requests, no audit events, no
 * state. One-shot commands that only read (risk explain, audit verify/export, inventory, replay) use it
 * instead of creating and migrating a database just to find it empty; anything that would write is
 * refused with a clear error, so nothing is silently lost.
 */
export function createEmptyStore(dataDir: string): Store {
  const refuse = (what: string) => async (): Promise<never> => {
    throw new KeycardError(
      'read_only_store',
      `${what} needs a database, and the embedded one in ${dataDir} does not exist yet (run keycard start or keycard migrate)`,
    );
  };
  const state: StateStore = {
    put: refuse('storing provider state'),
    get: async () => undefined,
    delete: async () => false,
    list: async () => [],
    acquireLease: refuse('taking a lease'),
    releaseLease: async () => {},
    purgeExpiredLeases: async () => 0,
  };
  return {
    // Nothing here writes, so there is nothing to serialise: the work runs as it is.
    exclusive: (_key, work) => work(),
    transaction: refuse('a transaction'),
    nextRequestNumber: refuse('numbering a request'),
    transitionAudited: refuse('changing a request'),
    recordEndedAudited: refuse('changing a request'),
    insertRequestAudited: refuse('storing a request'),
    getRequest: async () => undefined,
    getRequestByNumber: async () => undefined,
    getRequestWithApprovals: async () => undefined,
    listRequests: async () => [],
    expiringSoon: async () => [],
    listApprovals: async () => [],
    history: async () => ({
      cleanGrantsOnResource: 0,
      priorGrantsOnResource: 0,
      recentDenials: 0,
      recentAnomalies: 0,
      requestsInVelocityWindow: 0,
      newResourcesLastDay: 0,
    }),
    habitRecords: async () => [],
    reasonPeers: async () => 0,
    approverRecord: async () => ({ decisions: 0, denials: 0, highRiskApprovals: 0, highRiskMedianMs: null }),
    historySnapshot: async (requester, from) => ({ requester, from: from.getTime(), requests: [], earlier: [], anomalies: [] }),
    historyChanges: async () => ({ complete: true, requests: [], anomalies: [] }),
    readAudit: async () => [],
    auditHead: async () => undefined,
    auditBacklog: async () => 0,
    inbound: {
      claim: refuse('recording an inbound event'),
      claimAll: refuse('recording an inbound event'),
      release: async () => {},
      purgeExpired: async () => 0,
    },
    recordActivity: refuse('recording activity'),
    listActivity: async () => [],
    state,
    directory: {
      listUsers: async () => [],
      getUser: async () => undefined,
      insertUser: refuse('storing a SCIM user'),
      replaceUser: refuse('storing a SCIM user'),
      deleteUser: async () => false,
      listGroups: async () => [],
      getGroup: async () => undefined,
      insertGroup: refuse('storing a SCIM group'),
      replaceGroup: refuse('storing a SCIM group'),
      deleteGroup: async () => false,
    },
    close: async () => {},
  };
}
