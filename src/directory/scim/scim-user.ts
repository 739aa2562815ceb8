import type { ScimUser, ScimUserInput } from '../../core/ports/directory.js';
import { badRequest, ENTERPRISE_SCHEMA, isObject, scimBoolean, USER_SCHEMA } from './scim-schema.js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+$/;

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/** The primary (else work, else first) e-mail, or the userName when it is an e-mail. */
function primaryEmail(resource: Record<string, unknown>, userName: string): string | null {
  const emails = Array.isArray(resource.emails) ? resource.emails.filter(isObject) : [];
  const pick =
    emails.find((e) => e.primary === true || e.primary === 'True' || e.primary === 'true') ??
    emails.find((e) => e.type === 'work') ??
    emails[0];
  const candidate = text(pick?.value) ?? (EMAIL_RE.test(userName) ? userName : null);
  return candidate && EMAIL_RE.test(candidate) ? candidate.toLowerCase() : null;
}

/** Validates a User resource (POST, PUT, or the result of a PATCH) into what Keycard stores. */
export function parseUser(resource: unknown): ScimUserInput {
  if (!isObject(resource)) throw badRequest('invalidSyntax', 'the body must be a SCIM User object');
  const userName = text(resource.userName);
  if (!userName) throw badRequest('invalidValue', 'userName is required');
  const email = primaryEmail(resource, userName);
  if (!email) throw badRequest('invalidValue', 'the user needs an e-mail address (emails[primary].value, or a userName that is an e-mail)');
  const enterprise = isObject(resource[ENTERPRISE_SCHEMA]) ? resource[ENTERPRISE_SCHEMA] : {};
  const manager = isObject(enterprise.manager) ? text(enterprise.manager.value) : text(enterprise.manager);
  const name = isObject(resource.name) ? resource.name : {};
  const displayName =
    text(resource.displayName) ?? text(name.formatted) ?? ([text(name.givenName), text(name.familyName)].filter(Boolean).join(' ') || null);
  const { id: _id, meta: _meta, password: _password, ...kept } = resource;
  return {
    userName,
    externalId: text(resource.externalId),
    email,
    active: resource.active === undefined ? true : scimBoolean(resource.active, 'active'),
    displayName,
    department: text(enterprise.department),
    manager,
    resource: kept,
  };
}

/** The User resource as returned to the client. */
export function renderUser(user: ScimUser, baseUrl: string): Record<string, unknown> {
  const schemas = new Set([USER_SCHEMA, ...(Array.isArray(user.resource.schemas) ? user.resource.schemas.map(String) : [])]);
  return {
    ...user.resource,
    schemas: [...schemas],
    id: user.id,
    userName: user.userName,
    ...(user.externalId ? { externalId: user.externalId } : {}),
    active: user.active,
    meta: {
      resourceType: 'User',
      created: user.createdAt.toISOString(),
      lastModified: user.updatedAt.toISOString(),
      location: `${baseUrl}/Users/${user.id}`,
      version: `W/"${user.version}"`,
    },
  };
}
