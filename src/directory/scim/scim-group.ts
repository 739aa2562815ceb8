import type { ScimGroup, ScimGroupInput } from '../../core/ports/directory.js';
import { badRequest, GROUP_SCHEMA, isObject } from './scim-schema.js';

/** Member ids from a `members` value: `[{ value: "<user id>" }, …]`. */
export function memberIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.map((member) => {
    if (!isObject(member) || typeof member.value !== 'string' || member.value === '')
      throw badRequest('invalidValue', 'each member must be an object with the user id in "value"');
    return member.value;
  });
}

export function parseGroup(resource: unknown): ScimGroupInput {
  if (!isObject(resource)) throw badRequest('invalidSyntax', 'the body must be a SCIM Group object');
  const displayName = typeof resource.displayName === 'string' ? resource.displayName.trim() : '';
  if (!displayName) throw badRequest('invalidValue', 'displayName is required');
  return {
    displayName,
    externalId: typeof resource.externalId === 'string' && resource.externalId !== '' ? resource.externalId : null,
    memberIds: memberIds(resource.members),
  };
}

export function renderGroup(group: ScimGroup, baseUrl: string, options: { members: boolean }): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    displayName: group.displayName,
    ...(group.externalId ? { externalId: group.externalId } : {}),
    ...(options.members ? { members: group.memberIds.map((id) => ({ value: id, $ref: `${baseUrl}/Users/${id}`, type: 'User' })) } : {}),
    meta: {
      resourceType: 'Group',
      created: group.createdAt.toISOString(),
      lastModified: group.updatedAt.toISOString(),
      location: `${baseUrl}/Groups/${group.id}`,
      version: `W/"${group.version}"`,
    },
  };
}
