import type { DirectoryConfig } from '../config/directory-env.js';
import type { Policy } from '../core/policy/schema.js';
import type { DirectoryObserver, DirectorySource } from '../core/ports/directory.js';
import type { Clock, IdSource, Logger } from '../core/ports/runtime.js';
import type { Store } from '../core/ports/store.js';
import { createDirectoryRuntime, type DirectoryRuntime } from '../directory/runtime.js';
import type { ScimRoute } from '../directory/scim/index.js';

export interface DirectorySetup {
  runtime: DirectoryRuntime;
  /** /scim/v2 when KEYCARD_SCIM_TOKEN is set. */
  routes: ScimRoute[];
}

export interface DirectorySetupOptions {
  store: Store;
  /** The policy as loaded. */
  policy: () => Policy;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  observer?: DirectoryObserver;
  /** Injected into the pull adapters (tests point it at fakes). */
  fetch?: typeof fetch;
}

/** Loads only the configured directory adapters (dynamic imports), or undefined when none is configured. */
export async function setupDirectory(config: DirectoryConfig, options: DirectorySetupOptions): Promise<DirectorySetup | undefined> {
  const sources: DirectorySource[] = [];
  const routes: ScimRoute[] = [];
  const http = options.fetch ? { fetch: options.fetch } : {};
  let runtime: DirectoryRuntime | undefined;
  if (config.scim) {
    const { createScimDirectory } = await import('../directory/scim/index.js');
    const scim = createScimDirectory({
      store: () => options.store.directory,
      token: config.scim.token,
      clock: options.clock,
      ids: options.ids,
      log: options.log,
      track: (write, describe) => {
        if (!runtime) throw new Error('the directory runtime is not ready');
        return runtime.track(write, describe);
      },
    });
    sources.push(scim.source);
    routes.push(...scim.routes);
  }
  if (config.slack) {
    const { createSlackDirectory } = await import('../directory/slack/index.js');
    sources.push(createSlackDirectory({ token: config.slack.token, ...http }));
  }
  if (config.entra) {
    const { createEntraDirectory } = await import('../directory/entra/index.js');
    sources.push(createEntraDirectory({ ...config.entra, ...http }));
  }
  if (config.okta) {
    const { createOktaDirectory } = await import('../directory/okta/index.js');
    sources.push(createOktaDirectory({ ...config.okta, ...http }));
  }
  if (sources.length === 0) return undefined;
  runtime = createDirectoryRuntime({
    sources,
    store: options.store,
    policy: options.policy,
    clock: options.clock,
    log: options.log,
    ...(options.observer ? { observer: options.observer } : {}),
    maxStalenessMs: config.maxStalenessMs,
    refreshIntervalMs: config.refreshIntervalMs,
  });
  await runtime.reload();
  options.log.info({ sources: sources.map((s) => s.name) }, 'directory sources configured');
  return { runtime, routes };
}

/** The scheduler job of a configured directory: every 5 s reload and offboard leavers; pull sources refresh when due. */
export function directorySchedule(setup: DirectorySetup | undefined): {
  jobs?: Array<{ name: string; expression: string; run: (holder: string) => Promise<unknown> }>;
} {
  return setup ? { jobs: [{ name: 'directory', expression: '*/5 * * * * *', run: setup.runtime.tick }] } : {};
}
