import type { Policy } from '../../src/core/policy/schema.js';

export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const RBAC = 'rbac.authorization.k8s.io';
// The verbs src/providers/kubernetes uses on bindings: read, create, replace (retried grants, extend),
// list (reconciliation) and delete; on ServiceAccounts: create, read, delete; tokens: create.
const BINDING_VERBS = ['create', 'get', 'list', 'update', 'delete'];

type Loose = Record<string, unknown>;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The RBAC rules the Kubernetes provider needs for a policy's kubernetes resources (the provider README's
 * "RBAC for Keycard itself", narrowed to what the levels use) and the namespaces they must apply in.
 */
export function requiredProviderRules(policy: Policy): { rules: RbacRule[]; namespaces: string[]; clusterWide: boolean } {
  const namespaces = new Set<string>();
  const clusterRoles = new Set<string>();
  const roles = new Set<string>();
  let clusterWide = false;
  let tokens = false;
  for (const resource of Object.values(policy.resources)) {
    if (resource.provider !== 'kubernetes') continue;
    const config = resource.config as Loose;
    for (const level of Object.values(resource.levels) as Loose[]) {
      const namespace = text(level.namespace) ?? text(config.namespace);
      if (namespace) namespaces.add(namespace);
      else clusterWide = true;
      const clusterRole = text(level.clusterRole);
      const role = text(level.role);
      if (clusterRole) clusterRoles.add(clusterRole);
      if (role) roles.add(role);
      if (level.serviceAccountToken === true) {
        tokens = true;
        const saNamespace = namespace ?? text(config.serviceAccountNamespace);
        if (saNamespace) namespaces.add(saNamespace);
      }
    }
  }
  const rules: RbacRule[] = [];
  const bindings = [...(namespaces.size > 0 ? ['rolebindings'] : []), ...(clusterWide ? ['clusterrolebindings'] : [])];
  if (bindings.length > 0) rules.push({ apiGroups: [RBAC], resources: bindings, verbs: BINDING_VERBS });
  if (tokens) {
    rules.push({ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create', 'get', 'delete'] });
    rules.push({ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] });
  }
  if (clusterRoles.size > 0)
    rules.push({ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'], resourceNames: [...clusterRoles] });
  if (roles.size > 0) rules.push({ apiGroups: [RBAC], resources: ['roles'], verbs: ['bind'], resourceNames: [...roles] });
  return { rules, namespaces: [...namespaces].sort(), clusterWide };
}

/** Rules flattened to one sorted key per (group, resource, verb, name), so layout differences do not matter. */
export function ruleKeys(rules: RbacRule[]): string[] {
  const keys = new Set<string>();
  for (const rule of rules) {
    for (const group of rule.apiGroups)
      for (const resource of rule.resources)
        for (const verb of rule.verbs) for (const name of rule.resourceNames ?? ['*']) keys.add(`${group}|${resource}|${verb}|${name}`);
  }
  return [...keys].sort();
}
