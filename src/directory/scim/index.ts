import type { DirectorySource, DirectoryStore } from '../../core/ports/directory.js';
import { createScimRoutes, type ScimRoute, type ScimRoutesOptions } from './scim-routes.js';
import { createScimSource } from './scim-source.js';

export interface ScimDirectoryConfig extends Omit<ScimRoutesOptions, 'store'> {
  store: () => DirectoryStore;
}

export interface ScimDirectory {
  source: DirectorySource;
  routes: ScimRoute[];
}

/** SCIM 2.0 push: the /scim/v2 routes and the source that reads what was pushed. */
export function createScimDirectory(config: ScimDirectoryConfig): ScimDirectory {
  return { source: createScimSource(config.store), routes: createScimRoutes(config) };
}

export { SCIM_PREFIX, type ScimRoute, type ScimWrite } from './scim-routes.js';
