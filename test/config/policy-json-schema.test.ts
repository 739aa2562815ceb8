import { describe, expect, it } from 'vitest';
import { POLICY_SCHEMA_ID, policyJsonSchema } from '../../src/config/policy-json-schema.js';
import { fakeProviderSchemas } from './fixtures.js';

type Json = Record<string, unknown>;
const object = (value: unknown): Json => {
  expect(value).toBeTypeOf('object');
  return value as Json;
};

describe('policyJsonSchema', () => {
  it('is a draft 2020-12 schema of the policy input, with an id, title and description', () => {
    const schema = policyJsonSchema();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(POLICY_SCHEMA_ID);
    expect(schema.title).toBe('Keycard policy');
    expect(schema.description).toBeTypeOf('string');
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['resources', 'tiers']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(object(schema.properties))).toEqual(
      expect.arrayContaining(['timezone', 'businessHours', 'groups', 'resources', 'tiers', 'risk', 'incidents', 'notices', 'alerts']),
    );
    // Serialisable as-is, so it can be written to a file for editors.
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('describes durations as the text people write, not the parsed milliseconds', () => {
    const resource = object(object(object(policyJsonSchema().properties).resources).additionalProperties);
    const maxDuration = object(object(resource.properties).maxDuration);
    expect(maxDuration).toMatchObject({ type: 'string', default: '4h' });
    expect(resource.required).toEqual(['provider', 'sensitivity', 'levels']);
  });

  it('lists the four tiers', () => {
    const tiers = object(object(policyJsonSchema().properties).tiers);
    expect(Object.keys(object(tiers.properties))).toEqual(['low', 'medium', 'high', 'critical']);
    expect(object(object(tiers.properties).low).required).toEqual(['approvals']);
  });

  it("adds each provider's settings and connection requirement when given the registry", () => {
    const resource = object(object(object(policyJsonSchema(fakeProviderSchemas).properties).resources).additionalProperties);
    expect(object(object(resource.properties).provider).enum).toEqual(['demo', 'fakepg']);
    const [demo, fakepg] = resource.allOf as Json[];
    expect(object(demo).if).toEqual({ properties: { provider: { const: 'demo' } }, required: ['provider'] });
    expect(object(object(demo).then).required).toBeUndefined();
    const then = object(object(fakepg).then);
    expect(then.required).toEqual(['connection']);
    // A fakepg level must name a role, so an empty (null) level is not offered.
    const level = object(object(object(then.properties).levels).additionalProperties);
    expect(level).toMatchObject({ type: 'object', required: ['role'], additionalProperties: false });
  });
});
