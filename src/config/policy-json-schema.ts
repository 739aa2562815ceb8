import { z } from 'zod';
import { policySchema } from '../core/policy/schema.js';
import type { ProviderSchemas } from '../core/ports/provider.js';

type JsonObject = Record<string, unknown>;

export const POLICY_SCHEMA_ID = 'urn:keycard:policy:v1';

// io 'input' describes what people write (durations as "30m", defaults optional), not the parsed values.
// Transforms and the cross-field superRefine checks are not representable; `unrepresentable: 'any'`
// leaves them out, so editors check shape and formats while `keycard policy check` checks the rest.
const OPTIONS = { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' } as const;

/**
 * JSON Schema (draft 2020-12) for the policy file, for editor completion and validation. With the
 * provider registry it also describes each provider's `config:`, level settings and `connection`.
 */
export function policyJsonSchema(providers?: Readonly<Record<string, ProviderSchemas>>): JsonObject {
  const generated: JsonObject = { ...z.toJSONSchema(policySchema, OPTIONS) };
  const { $schema, ...rest } = generated;
  const schema: JsonObject = {
    $schema,
    $id: POLICY_SCHEMA_ID,
    title: 'Keycard policy',
    description:
      'Who may get which temporary production access, how risk is scored and who approves it. Secrets are referenced as env:VARIABLE, never written here.',
    ...rest,
  };
  if (providers !== undefined) addProviderSchemas(schema, providers);
  return schema;
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

function providerPart(schema: z.core.$ZodType): JsonObject {
  const { $schema: _, ...body } = z.toJSONSchema(schema, OPTIONS);
  return body;
}

function addProviderSchemas(schema: JsonObject, providers: Readonly<Record<string, ProviderSchemas>>): void {
  const resource = asObject(asObject(asObject(schema.properties)?.resources)?.additionalProperties);
  const provider = asObject(asObject(resource?.properties)?.provider);
  if (resource === undefined || provider === undefined) return;
  const kinds = Object.keys(providers).sort();
  provider.enum = kinds;
  resource.allOf = kinds.map((kind) => {
    const schemas = providers[kind]!;
    // The loader reads a missing `config:` and an empty level (`read:`, YAML null) as {}; mirror that
    // only where the provider accepts {}, so editors flag e.g. a postgres level without `role`.
    const level = providerPart(schemas.levelConfig);
    const required = [
      ...(schemas.requiresConnection ? ['connection'] : []),
      ...(schemas.resourceConfig.safeParse({}).success ? [] : ['config']),
    ];
    return {
      if: { properties: { provider: { const: kind } }, required: ['provider'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword; this object is data, never awaited.
      then: {
        properties: {
          config: providerPart(schemas.resourceConfig),
          levels: { additionalProperties: schemas.levelConfig.safeParse({}).success ? { anyOf: [level, { type: 'null' }] } : level },
        },
        ...(required.length > 0 ? { required } : {}),
      },
    };
  });
}
