import { z } from 'zod';
import type { ProviderSchemas } from '../../core/ports/provider.js';

// Patterns from the SSO Admin and Identity Store API references.
const accountId = z.string().regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' });
const instanceArn = z.string().regex(/^arn:aws[a-z-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/, {
  message: 'must be an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-…)',
});
const permissionSetArn = z.string().regex(/^arn:aws[a-z-]*:sso:::permissionSet\/(sso)?ins-[a-zA-Z0-9-.]{16}\/ps-[a-zA-Z0-9-./]{16}$/, {
  message: 'must be a permission set ARN (arn:aws:sso:::permissionSet/ssoins-…/ps-…)',
});
const identityStoreId = z.string().regex(/^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/, {
  message: 'must be an identity store id (d-…)',
});
export const PRINCIPAL_ID_RE = /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;
const principalId = z.string().regex(PRINCIPAL_ID_RE, { message: 'must be an Identity Center user id (a GUID)' });
const endpoint = z
  .string()
  .url()
  .refine((u) => /^https?:$/.test(new URL(u).protocol) && !new URL(u).username, { message: 'must be an http(s) URL without credentials' });

export const awsSsoResourceConfigSchema = z
  .object({
    instanceArn: instanceArn.describe('IAM Identity Center instance ARN'),
    identityStoreId: identityStoreId.describe("The instance's identity store id (d-…)"),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { message: 'must be an AWS region such as eu-west-1' })
      .describe('Region of the Identity Center instance'),
    accountId: accountId.optional().describe('Default AWS account for levels that name none'),
    userAttribute: z
      .enum(['userName', 'emails.value'])
      .default('userName')
      .describe('Identity store attribute matched against the requester email to find their user id'),
    principalIdByEmail: z
      .record(z.string().email(), principalId)
      .optional()
      .describe('Fixed email → Identity Center user id map, consulted before the identity store lookup'),
    endpoint: endpoint.optional().describe('SSO Admin endpoint override (VPC endpoint, tests)'),
    identityStoreEndpoint: endpoint.optional().describe('Identity Store endpoint override (VPC endpoint, tests)'),
  })
  .strict();

export const awsSsoLevelConfigSchema = z
  .object({
    permissionSetArn: permissionSetArn.describe('Permission set this level assigns'),
    accountId: accountId.optional().describe('AWS account to assign it in (default: the resource config accountId)'),
  })
  .strict();

export type AwsSsoResourceConfig = z.output<typeof awsSsoResourceConfigSchema>;
export type AwsSsoLevelConfig = z.output<typeof awsSsoLevelConfigSchema>;

export const awsSsoSchemas: ProviderSchemas = {
  resourceConfig: awsSsoResourceConfigSchema,
  levelConfig: awsSsoLevelConfigSchema,
  // Credentials come from the standard AWS chain (IRSA, instance/task role, AWS_* variables), never the policy.
  requiresConnection: false,
};
