export type { GrantCounts } from './define-metrics.js';
export { type ChatFailureObserver, instrumentChat } from './instrument-chat.js';
export { instrumentProvider, type ProviderCallObserver, providerErrorCode } from './instrument-provider.js';
export { type CommittedEventListener, instrumentStore } from './instrument-store.js';
export { createKeycardMetrics, type KeycardMetrics, type MetricsExposition, type MetricsOptions } from './keycard-metrics.js';
export { isRateLimitError } from './rate-limit.js';
