import { awsSsoSchemas } from './aws-sso/schemas.js';
import { demoProvider } from './demo/index.js';
import { kubernetesSchemas } from './kubernetes/schemas.js';
import { postgresSchemas } from './postgres/schemas.js';
import type { ProviderEntry } from './registry.js';
import { webhookSchemas } from './webhook/schemas.js';

/**
 * The providers shipped with Keycard, in the order `keycard` lists them. Only the demo provider is in
 * memory from the start; the others (and their SDKs: @kubernetes/client-node, @aws-sdk/*) are imported
 * when a policy uses them. Each entry's schemas come from the provider's light schemas module.
 */
export const builtinProviderFactories: readonly ProviderEntry[] = [
  demoProvider,
  { kind: 'postgres', schemas: postgresSchemas, load: async () => (await import('./postgres/index.js')).postgresProvider },
  { kind: 'kubernetes', schemas: kubernetesSchemas, load: async () => (await import('./kubernetes/index.js')).kubernetesProvider },
  { kind: 'aws-sso', schemas: awsSsoSchemas, load: async () => (await import('./aws-sso/index.js')).awsSsoProvider },
  { kind: 'webhook', schemas: webhookSchemas, load: async () => (await import('./webhook/index.js')).webhookProvider },
];
