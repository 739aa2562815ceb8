import { z } from 'zod';

const timestamp = z.iso.datetime({ offset: true });

/**
 * The fields of an `audit.k8s.io/v1` Event that Keycard reads. Loose: the API server sends more
 * (requestObject, annotations, …) depending on the audit policy's level, and they are ignored.
 */
export const auditEventSchema = z.looseObject({
  auditID: z.string().min(1),
  stage: z.string(),
  verb: z.string().min(1),
  requestURI: z.string().optional(),
  user: z.looseObject({ username: z.string().optional(), groups: z.array(z.string()).optional() }),
  impersonatedUser: z.looseObject({ username: z.string().optional(), groups: z.array(z.string()).optional() }).optional(),
  sourceIPs: z.array(z.string()).optional(),
  userAgent: z.string().optional(),
  objectRef: z
    .looseObject({
      resource: z.string().optional(),
      subresource: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
      apiGroup: z.string().optional(),
    })
    .optional(),
  responseStatus: z.looseObject({ code: z.number().int().optional() }).optional(),
  requestReceivedTimestamp: timestamp.optional(),
  stageTimestamp: timestamp.optional(),
});

export type AuditEvent = z.output<typeof auditEventSchema>;

/** The batch the API server's webhook backend POSTs. Items are checked one by one, so one odd event does not drop the rest. */
export const auditEventListSchema = z.looseObject({
  kind: z.literal('EventList', { error: 'must be "EventList" (the audit webhook backend sends audit.k8s.io/v1 EventList batches)' }),
  apiVersion: z.literal('audit.k8s.io/v1', { error: 'must be "audit.k8s.io/v1"; set --audit-webhook-version=audit.k8s.io/v1' }),
  items: z.array(z.unknown()).nullish(),
});
