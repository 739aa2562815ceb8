export type { SlackAdapterConfig, SlackAdapterOptions, SlackRetryPolicy } from './options.js';
export { createSlackAdapter } from './slack-adapter.js';
