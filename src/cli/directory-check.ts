import type { DirectoryConfig } from '../config/directory-env.js';
import { policyReferences } from '../core/directory/resolve.js';
import type { Policy } from '../core/policy/schema.js';
import type { DirectoryReference, DirectorySource, DirectorySourceName } from '../core/ports/directory.js';
import type { Store } from '../core/ports/store.js';

const SETTING: Record<DirectorySourceName, string> = {
  slack: 'KEYCARD_DIRECTORY_SLACK_TOKEN',
  entra: 'KEYCARD_ENTRA_TENANT_ID, KEYCARD_ENTRA_CLIENT_ID and KEYCARD_ENTRA_CLIENT_SECRET',
  okta: 'KEYCARD_OKTA_ORG_URL and KEYCARD_OKTA_API_TOKEN',
  scim: 'KEYCARD_SCIM_TOKEN',
};

const configured = (config: DirectoryConfig, source: DirectorySourceName) => Boolean(config[source]);

/** Offline: directory references whose source is not configured (they would resolve to nobody). */
export function unconfiguredReferenceWarnings(policy: Policy, config: DirectoryConfig): string[] {
  const refs = policyReferences(policy).filter((ref) => !configured(config, ref.source));
  return refs.map(
    (ref) => `${ref.ref}: the ${ref.source} directory is not configured (set ${SETTING[ref.source]}), so this group resolves to nobody`,
  );
}

export interface OnlineCheckOptions {
  /** Opens Keycard's database (for groups pushed over SCIM); closed by the caller. */
  openStore: () => Promise<Store>;
  fetch?: typeof fetch;
}

/** Online: every directory group the policy names exists at its source and has at least one active member. */
export async function checkDirectoryGroups(
  policy: Policy,
  config: DirectoryConfig,
  options: OnlineCheckOptions,
): Promise<{ problems: string[]; lines: string[] }> {
  const problems: string[] = [];
  const lines: string[] = [];
  const refs = policyReferences(policy);
  const bySource = new Map<DirectorySourceName, DirectoryReference[]>();
  for (const ref of refs) bySource.set(ref.source, [...(bySource.get(ref.source) ?? []), ref]);
  let store: Store | undefined;
  try {
    for (const [name, sourceRefs] of bySource) {
      if (!configured(config, name)) {
        for (const ref of sourceRefs) problems.push(`${ref.ref}: the ${name} directory is not configured (set ${SETTING[name]})`);
        continue;
      }
      let source: DirectorySource;
      if (name === 'scim') {
        store ??= await options.openStore();
        const { createScimSource } = await import('../directory/scim/scim-source.js');
        const opened = store;
        source = createScimSource(() => opened.directory);
      } else source = await pullSource(name, config, options.fetch);
      try {
        for (const group of await source.fetchGroups(sourceRefs)) {
          const active = group.members.filter((m) => m.active).length;
          if (!group.found) problems.push(`${group.ref}: no such group in ${name}`);
          else if (active === 0) problems.push(`${group.ref}: the group has no active members, so nobody could approve through it`);
          else lines.push(`${group.ref}: ${active} active member${active === 1 ? '' : 's'}`);
        }
      } catch (error) {
        problems.push(
          `${name}: could not check ${sourceRefs.map((r) => r.ref).join(', ')}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  } finally {
    await store?.close();
  }
  return { problems, lines };
}

async function pullSource(
  name: Exclude<DirectorySourceName, 'scim'>,
  config: DirectoryConfig,
  fetcher?: typeof fetch,
): Promise<DirectorySource> {
  const http = fetcher ? { fetch: fetcher } : {};
  if (name === 'slack') return (await import('../directory/slack/index.js')).createSlackDirectory({ token: config.slack!.token, ...http });
  if (name === 'entra') return (await import('../directory/entra/index.js')).createEntraDirectory({ ...config.entra!, ...http });
  return (await import('../directory/okta/index.js')).createOktaDirectory({ ...config.okta!, ...http });
}
