import { z } from 'zod';
import type { ProviderSchemas } from '../../core/ports/provider.js';

export const webhookResourceConfigSchema = z
  .object({
    url: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: 'must be an http:// or https:// URL' })
      .refine((u) => !new URL(u).username && !new URL(u).password, {
        message: 'must not contain credentials; requests are authenticated by the signature (connection: env:VAR)',
      })
      .describe('Endpoint that receives the signed grant, revoke and list POSTs'),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('Timeout of each attempt'),
    retries: z.number().int().min(0).max(10).default(2).describe('Extra attempts after a network error, timeout, 5xx or 429'),
  })
  .strict();

/** Level settings are forwarded to the receiver as-is; keys are plain names, values JSON. */
export const webhookLevelConfigSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, { message: 'keys must be plain names (letters, digits, _ or -)' }),
  z.json(),
);

export type WebhookResourceConfig = z.output<typeof webhookResourceConfigSchema>;

export const webhookSchemas: ProviderSchemas = {
  resourceConfig: webhookResourceConfigSchema,
  levelConfig: webhookLevelConfigSchema,
  requiresConnection: true,
};

const credentialSchema = z.object({
  summary: z.string().min(1),
  secret: z.string().min(1),
  fields: z.record(z.string(), z.string()).optional(),
});

export const grantResponseSchema = z.object({
  ref: z.record(z.string(), z.unknown()).optional(),
  credential: credentialSchema.optional(),
});

export const listResponseSchema = z.object({
  grants: z.array(
    z.object({
      grantId: z.string().min(1),
      principal: z.string().optional(),
      expiresAt: z.iso.datetime({ offset: true }).optional(),
      ref: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

/** The optional `inventory` call: who holds each level at the target outside Keycard. */
export const inventoryResponseSchema = z.object({
  standing: z.array(
    z.object({
      level: z.string().min(1),
      principal: z.string().min(1),
      via: z.string().min(1).max(500),
      kind: z.enum(['user', 'group', 'role', 'serviceaccount']).optional(),
    }),
  ),
});
