import type { ProviderFactory } from '../core/ports/provider.js';
import { awsSsoProvider } from './aws-sso/index.js';
import { demoProvider } from './demo/index.js';
import { kubernetesProvider } from './kubernetes/index.js';
import { postgresProvider } from './postgres/index.js';
import { webhookProvider } from './webhook/index.js';

/** The providers shipped with Keycard, in the order `keycard` lists them. */
export const builtinProviderFactories: readonly ProviderFactory[] = [
  demoProvider,
  postgresProvider,
  kubernetesProvider,
  awsSsoProvider,
  webhookProvider,
];
