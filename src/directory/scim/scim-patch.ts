import type { ScimGroupInput } from '../../core/ports/directory.js';
import { memberIds } from './scim-group.js';
import { badRequest, ENTERPRISE_SCHEMA, isObject, PATCH_SCHEMA } from './scim-schema.js';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string | undefined;
  value: unknown;
}

/** Parses a PatchOp body; `op` is case-insensitive because Entra sends "Add"/"Replace"/"Remove". */
export function parsePatch(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'the body must be a SCIM PatchOp object');
  if (Array.isArray(body.schemas) && !body.schemas.includes(PATCH_SCHEMA))
    throw badRequest('invalidSyntax', `a PATCH body must declare the schema ${PATCH_SCHEMA}`);
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw badRequest('invalidSyntax', 'Operations must be a non-empty list');
  return operations.map((operation, i) => {
    if (!isObject(operation)) throw badRequest('invalidSyntax', `Operations[${i}] must be an object`);
    const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove')
      throw badRequest('invalidSyntax', `Operations[${i}].op must be add, replace or remove (got "${String(operation.op)}")`);
    const path = typeof operation.path === 'string' && operation.path.trim() !== '' ? operation.path.trim() : undefined;
    if (op === 'remove' && path === undefined) throw badRequest('noTarget', `Operations[${i}]: remove needs a path`);
    if (op !== 'remove' && operation.value === undefined) throw badRequest('invalidValue', `Operations[${i}]: ${op} needs a value`);
    return { op, path, value: operation.value };
  });
}

// `emails[type eq "work"].value`, `members[value eq "id"]`
const FILTERED_PATH = /^([A-Za-z][\w]*)\[\s*([A-Za-z][\w.]*)\s+eq\s+"([^"]*)"\s*\](?:\.([A-Za-z][\w]*))?$/i;

/** Splits `urn:…:enterprise:2.0:User:department` into the extension object and attribute. */
function splitUrn(path: string): { container: string | undefined; rest: string } {
  if (path.toLowerCase().startsWith(`${ENTERPRISE_SCHEMA.toLowerCase()}:`)) {
    return { container: ENTERPRISE_SCHEMA, rest: path.slice(ENTERPRISE_SCHEMA.length + 1) };
  }
  if (path.toLowerCase().startsWith('urn:ietf:params:scim:schemas:core:2.0:user:')) return { container: undefined, rest: path.slice(43) };
  return { container: undefined, rest: path };
}

/** Case-insensitive attribute lookup (SCIM attribute names are case-insensitive). */
function keyIn(target: Record<string, unknown>, name: string): string {
  return Object.keys(target).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
}

function setPath(resource: Record<string, unknown>, op: PatchOperation): void {
  const { container, rest } = splitUrn(op.path!);
  let target = resource;
  if (container) {
    const key = keyIn(resource, container);
    if (!isObject(resource[key])) resource[key] = {};
    target = resource[key] as Record<string, unknown>;
  }
  const filtered = FILTERED_PATH.exec(rest);
  if (filtered) {
    const [, attribute, field, wanted, sub] = filtered as unknown as [string, string, string, string, string | undefined];
    const key = keyIn(target, attribute);
    const list = Array.isArray(target[key]) ? (target[key] as unknown[]).filter(isObject) : [];
    const matches = list.filter((item) => String(item[field] ?? '').toLowerCase() === wanted.toLowerCase());
    if (op.op === 'remove') {
      target[key] = sub
        ? list.map((item) => (matches.includes(item) ? withoutKey(item, sub) : item))
        : list.filter((i) => !matches.includes(i));
      return;
    }
    if (matches.length === 0) {
      list.push(sub ? { [field]: wanted, [sub]: op.value } : { [field]: wanted, ...(isObject(op.value) ? op.value : {}) });
    } else
      for (const item of matches)
        if (sub) item[sub] = op.value;
        else Object.assign(item, isObject(op.value) ? op.value : {});
    target[key] = list;
    return;
  }
  const parts = rest.split('.');
  if (parts.some((p) => !/^[A-Za-z$][\w$]*$/.test(p))) throw badRequest('invalidPath', `"${op.path}" is not a path Keycard understands`);
  for (const part of parts.slice(0, -1)) {
    const key = keyIn(target, part);
    if (!isObject(target[key])) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  const last = keyIn(target, parts[parts.length - 1]!);
  if (op.op === 'remove') delete target[last];
  else if (op.op === 'add' && Array.isArray(target[last]) && Array.isArray(op.value))
    target[last] = [...(target[last] as unknown[]), ...op.value];
  else target[last] = op.value;
}

function withoutKey(item: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _removed, ...rest } = item;
  return rest;
}

/** Applies PATCH operations to a stored User resource (a copy), as Okta and Entra send them. */
export function patchUser(resource: Record<string, unknown>, operations: readonly PatchOperation[]): Record<string, unknown> {
  const next = structuredClone(resource);
  for (const operation of operations) {
    if (operation.path === undefined) {
      // Okta: { op: "replace", value: { active: false } }; Entra without a path: { value: { "name.givenName": … } }.
      if (!isObject(operation.value)) throw badRequest('invalidValue', `${operation.op} without a path needs an object value`);
      for (const [path, value] of Object.entries(operation.value)) {
        if (path === 'id' || path === 'schemas' || path === 'meta') continue;
        setPath(next, { op: operation.op, path, value });
      }
    } else setPath(next, operation);
  }
  return next;
}

/** Applies PATCH operations to a group: members added/removed/replaced, displayName and externalId replaced. */
export function patchGroup(group: ScimGroupInput, operations: readonly PatchOperation[]): ScimGroupInput {
  const members = new Set(group.memberIds);
  let { displayName, externalId } = group;
  const apply = (op: PatchOperation['op'], path: string, value: unknown) => {
    const filtered = FILTERED_PATH.exec(path);
    if (filtered && filtered[1]!.toLowerCase() === 'members' && filtered[2]!.toLowerCase() === 'value' && !filtered[4]) {
      if (op !== 'remove') throw badRequest('invalidPath', `${op} on a filtered members path is not supported; use path "members"`);
      members.delete(filtered[3]!);
      return;
    }
    switch (path.toLowerCase()) {
      case 'members': {
        const ids = op === 'remove' && value === undefined ? [...members] : memberIds(value);
        if (op === 'replace') members.clear();
        for (const id of ids)
          if (op === 'remove') members.delete(id);
          else members.add(id);
        return;
      }
      case 'displayname':
        if (op === 'remove' || typeof value !== 'string' || value.trim() === '')
          throw badRequest('invalidValue', 'displayName must be a non-empty string');
        displayName = value.trim();
        return;
      case 'externalid':
        externalId = op === 'remove' || typeof value !== 'string' || value === '' ? null : value;
        return;
      default:
        throw badRequest('invalidPath', `"${path}" is not a Group attribute Keycard stores (members, displayName, externalId)`);
    }
  };
  for (const operation of operations) {
    if (operation.path === undefined) {
      if (!isObject(operation.value)) throw badRequest('invalidValue', `${operation.op} without a path needs an object value`);
      for (const [path, value] of Object.entries(operation.value))
        if (path !== 'id' && path !== 'schemas' && path !== 'meta') apply(operation.op, path, value);
    } else apply(operation.op, operation.path, operation.value);
  }
  return { displayName, externalId, memberIds: [...members] };
}
