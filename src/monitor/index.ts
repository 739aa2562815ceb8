export { type ActivityRoutes, type ActivityRoutesConfig, createActivityRoutes } from './activity-routes.js';
export { SIGNATURE_HEADER, signActivityBody, TIMESTAMP_HEADER, TOLERANCE_SEC } from './activity-signature.js';
export type { ActivityRoute } from './http-reply.js';
export { MAX_EVENTS_PER_REQUEST } from './ingest-schema.js';
export { type PollSummary, pollPostgresOnce } from './postgres-poll.js';
export { POLLER_LEASE, type PostgresPoller, type PostgresPollerOptions, startPostgresPoller } from './postgres-poller.js';
