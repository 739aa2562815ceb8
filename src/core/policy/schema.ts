import { z } from 'zod';
import { describeGroupReferenceProblem, looksLikeDirectoryReference } from '../directory/references.js';
import { timeZoneProblem } from '../time-zone.js';
import { durationSchema, emailSchema } from './field-schemas.js';
import { riskSchema } from './risk-schema.js';

export const TIER_NAMES = ['low', 'medium', 'high', 'critical'] as const;
export type TierName = (typeof TIER_NAMES)[number];
export const SENSITIVITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** enforce: grants are real. pilot: the same workflow runs on real requests, but nothing is granted. */
export const RESOURCE_MODES = ['enforce', 'pilot'] as const;
export type ResourceMode = (typeof RESOURCE_MODES)[number];

const NAME_RE = /^[a-z][a-z0-9-]{0,62}$/;
/** A policy group name, or a directory group reference (`slack:@db-owners`, `entra:<id>`, `okta:DB Owners`, `scim:db-owners`). */
const groupRef = z.string().superRefine((text, ctx) => {
  const problem = describeGroupReferenceProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export { durationSchema } from './field-schemas.js';

export const SEVERITIES = ['info', 'warning', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** A detector's severity, or off. */
const severitySetting = z.enum([...SEVERITIES, 'off']);

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a 24h time like "08:00"' });
const email = emailSchema;
const channelRef = z
  .object({
    slack: z.string().min(1).optional().describe('Slack channel id (C…) or name'),
    teams: z.string().min(1).optional().describe('Teams channel (conversation) id, e.g. 19:…@thread.tacv2'),
    console: z.string().min(1).optional().describe('Name shown by the terminal console'),
  })
  .strict();
const envRef = z
  .string()
  .regex(/^env:[A-Z_][A-Z0-9_]*$/, { message: 'must be env:VARIABLE_NAME (secrets come from the environment, never the policy file)' });

const tierSchema = z
  .object({
    upTo: z.number().int().min(0).max(100).optional().describe('Highest score (inclusive) in this tier; critical covers the rest'),
    approvals: z.number().int().min(0).max(5).describe('Distinct approvals needed; 0 means auto-approve'),
    approvers: z
      .array(groupRef)
      .default([])
      .describe(
        'Groups whose members may approve: policy groups or directory references (slack:@handle, entra:<id>, okta:Name, scim:Name)',
      ),
    distinctGroups: z.boolean().default(false).describe('Each approval must come from a different approver group'),
    channel: channelRef.optional().describe('Where approval cards for this tier are posted, per platform'),
    approvalTtl: durationSchema.prefault('1h').describe('A pending request times out after this long'),
    remindBefore: durationSchema.prefault('15m').describe('Nudge approvers this long before the approval TTL ends'),
    breakGlass: z.boolean().default(false).describe('Allow --break-glass: grant at once, review afterwards'),
    escalateTo: groupRef
      .optional()
      .describe('Fallback approver group added (and notified) when a request reaches its reminder time unapproved'),
  })
  .strict();

const resourceSchema = z
  .object({
    description: z.string().default(''),
    provider: z.string().regex(NAME_RE).describe('Provider adapter kind (built in: demo, postgres, webhook)'),
    sensitivity: z.enum(SENSITIVITIES),
    levels: z
      .record(
        z.string().regex(NAME_RE),
        z
          .record(z.string(), z.unknown())
          .nullable()
          .transform((v) => v ?? {}),
      )
      .refine((levels) => Object.keys(levels).length > 0, { message: 'must define at least one level' })
      .describe('Access levels and their provider-specific settings'),
    defaultLevel: z.string().optional(),
    minDuration: durationSchema.prefault('1m'),
    defaultDuration: durationSchema.prefault('1h'),
    maxDuration: durationSchema.prefault('4h'),
    maxTotalDuration: durationSchema.optional().describe('Cap on the whole window including extensions (default: 2 x maxDuration)'),
    connection: envRef.optional().describe('env:VAR holding the provider connection secret'),
    config: z.record(z.string(), z.unknown()).default({}).describe('Provider-specific settings'),
    notices: z.array(durationSchema).optional().describe('Expiry notice offsets for this resource (overrides notices.beforeExpiry)'),
    minTier: z.enum(TIER_NAMES).default('low').describe('Floor for on-call incident relief: requests never route below this tier'),
    requesters: z
      .array(groupRef)
      .optional()
      .describe('Who may request this resource (policy groups or directory references); absent: everyone'),
    family: z
      .string()
      .regex(NAME_RE)
      .optional()
      .describe('Resource family for escalation and habits (default: the name without its last dash-part, orders-db → orders)'),
    mode: z
      .enum(RESOURCE_MODES)
      .default('enforce')
      .describe('pilot: score, route and approve requests as usual but grant nothing and call no provider (a rollout step)'),
  })
  .strict();

export const policySchema = z
  .object({
    version: z.literal(1).default(1),
    timezone: z.string().default('UTC').describe('IANA time zone used for business hours'),
    businessHours: z
      .object({
        days: z.array(z.enum(WEEKDAYS)).default(['mon', 'tue', 'wed', 'thu', 'fri']),
        start: clock.default('08:00'),
        end: clock.default('19:00'),
      })
      .strict()
      .prefault({}),
    groups: z.record(z.string().regex(NAME_RE), z.array(email)).default({}),
    resources: z
      .record(z.string().regex(NAME_RE, { message: 'resource names are lowercase letters, digits and dashes' }), resourceSchema)
      .refine((r) => Object.keys(r).length > 0, { message: 'must define at least one resource' }),
    tiers: z.object({ low: tierSchema, medium: tierSchema, high: tierSchema, critical: tierSchema }).strict(),
    risk: riskSchema.prefault({}),
    incidents: z
      .object({
        channelPattern: z.string().default('^inc-'),
        keyPattern: z.string().default('INC-[0-9]+'),
        onCallRelief: z
          .number()
          .int()
          .min(0)
          .max(3)
          .default(1)
          .describe(
            'Tiers to lower a request by when it is linked to an incident and the requester is on call (never below the resource minTier)',
          ),
        slackChannelCreators: z
          .array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, { message: 'a Slack user id such as U0123ABCD (the incident tool’s bot user)' }))
          .default([])
          .describe(
            'Slack user ids whose channels count as incident channels (your incident tool’s bot); empty: any channel with a matching name, which anyone who can create that name can squat',
          ),
      })
      .strict()
      .prefault({}),
    onCall: z
      .object({
        rotations: z
          .record(
            z.string().regex(NAME_RE),
            z
              .object({
                members: z.array(email).min(1),
                start: z.string().datetime({ offset: true, message: 'must be an ISO time with offset, e.g. 2026-11-02T09:00:00+01:00' }),
                shift: durationSchema.prefault('7d'),
              })
              .strict(),
          )
          .default({})
          .describe('Simple rotations: member i is on call during shift i after start, cycling'),
        overrides: z
          .array(z.object({ email, from: z.string().datetime({ offset: true }), to: z.string().datetime({ offset: true }) }).strict())
          .default([])
          .describe('Explicit on-call shifts that add to the rotations'),
        pagerduty: z
          .object({
            tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/),
            scheduleIds: z.array(z.string().min(1)).min(1),
            apiUrl: z.string().url().optional(),
            incidentNumber: z
              .string()
              .refine((value) => value === 'off' || isRegex(value), { message: 'is not a valid regular expression (or off)' })
              .default('off')
              .describe(
                'Ask PagerDuty who responds to a cited incident: a regular expression that finds the PagerDuty incident number in an incident key (its first group, else the whole match), e.g. "([0-9]+)$" when INC-4211 is PagerDuty incident #4211; its assignees, acknowledgers and joined responders count as responders while it is open (and a day after). off (the default): only chat channels say who responds',
              ),
          })
          .strict()
          .optional()
          .describe('Ask PagerDuty who is on call (REST API v2) instead of, or as well as, the rotations'),
      })
      .strict()
      .prefault({}),
    monitoring: z
      .object({
        detectors: z
          .object({
            'destructive-sql': severitySetting.default('high'),
            'write-under-read': severitySetting.default('high'),
            'k8s-sensitive': severitySetting.default('high'),
            'outside-window': severitySetting.default('critical'),
            'volume-spike': severitySetting.default('warning'),
            'new-source': severitySetting.default('warning'),
            'off-hours': severitySetting.default('info'),
          })
          .strict()
          .prefault({}),
        alertAtOrAbove: z.enum(SEVERITIES).default('warning').describe('Findings at or above this severity DM the requester and approvers'),
        autoRevoke: z.array(z.enum(SEVERITIES)).default(['critical']).describe('Severities that revoke the grant automatically'),
        dedupeWindow: durationSchema.prefault('10m').describe('At most one alert per grant and detector in this window'),
        volumeSpikeFactor: z
          .number()
          .min(1)
          .default(5)
          .describe('Alert when an event is this many times the grant’s running average volume'),
        readLevels: z.array(z.string()).default(['read']).describe('Levels under which any write is an anomaly'),
        pollInterval: durationSchema.prefault('5s').describe('How often the Postgres session poller looks at active grants'),
      })
      .strict()
      .prefault({}),
    notices: z
      .object({ beforeExpiry: z.array(durationSchema).prefault(['10m', '2m']) })
      .strict()
      .prefault({}),
    alerts: z
      .object({ channel: channelRef.optional(), reviewers: z.array(groupRef).default([]) })
      .strict()
      .prefault({})
      .describe('Security/ops channel for break-glass broadcasts and revoke failures; reviewers review break-glass grants'),
    revocation: z
      .object({
        escalateAfter: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(5)
          .describe('Failed revoke attempts after which the alerts channel and the approvers are alerted with Retry now'),
        maxBackoff: durationSchema
          .prefault('3m')
          .describe('Longest wait between revoke retries; retries never stop until the target confirms the revoke'),
      })
      .strict()
      .prefault({})
      .describe('How Keycard keeps retrying a revoke the target refused'),
    reconcile: z
      .object({
        every: durationSchema.prefault('5m').describe('How often one replica compares every target with Keycard’s records'),
        unknown: z
          .enum(['revoke', 'report'])
          .default('report')
          .describe('What to do with something at a target that looks like Keycard’s but has no live grant: revoke it, or only report it'),
      })
      .strict()
      .prefault({})
      .describe('Reconciliation in both directions between Keycard and its targets'),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const names = new Set(Object.keys(policy.groups));
    // Directory references are checked against their source by `keycard policy check --online`; malformed ones already failed.
    const groupNames = { has: (group: string) => names.has(group) || looksLikeDirectoryReference(group) || group.includes(':') };
    const zoneProblem = timeZoneProblem(policy.timezone);
    if (zoneProblem) ctx.addIssue({ code: 'custom', path: ['timezone'], message: zoneProblem });
    for (const key of ['channelPattern', 'keyPattern'] as const) {
      if (!isRegex(policy.incidents[key])) {
        ctx.addIssue({ code: 'custom', path: ['incidents', key], message: 'is not a valid regular expression' });
      }
    }
    if (!isRegex(policy.risk.ticketPattern)) {
      ctx.addIssue({ code: 'custom', path: ['risk', 'ticketPattern'], message: 'is not a valid regular expression' });
    } else if (new RegExp(policy.risk.ticketPattern).test('')) {
      ctx.addIssue({
        code: 'custom',
        path: ['risk', 'ticketPattern'],
        message: 'matches an empty string, so every reason would cite a ticket; use a pattern such as "\\b(OPS|PLAT)-[0-9]+\\b"',
      });
    }
    let previous = -1;
    for (const name of TIER_NAMES) {
      const tier = policy.tiers[name];
      const upTo = name === 'critical' ? 100 : tier.upTo;
      if (upTo === undefined) {
        ctx.addIssue({ code: 'custom', path: ['tiers', name, 'upTo'], message: 'is required (the highest score in this tier)' });
      } else if (upTo <= previous) {
        ctx.addIssue({ code: 'custom', path: ['tiers', name, 'upTo'], message: `must be above the previous tier's upTo (${previous})` });
      } else {
        previous = upTo;
      }
      tier.approvers.forEach((group, i) => {
        if (!groupNames.has(group)) {
          ctx.addIssue({
            code: 'custom',
            path: ['tiers', name, 'approvers', i],
            message: `unknown group "${group}" (define it under groups)`,
          });
        }
      });
      if (tier.escalateTo !== undefined && !groupNames.has(tier.escalateTo)) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', name, 'escalateTo'],
          message: `unknown group "${tier.escalateTo}" (define it under groups)`,
        });
      }
      if (tier.approvals > 0 && tier.approvers.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', name, 'approvers'],
          message: `needs at least one group when approvals is ${tier.approvals}`,
        });
      }
      if (tier.distinctGroups && tier.approvers.length < tier.approvals) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', name, 'distinctGroups'],
          message: `needs at least ${tier.approvals} approver groups for ${tier.approvals} approvals from distinct groups`,
        });
      }
    }
    policy.alerts.reviewers.forEach((group, i) => {
      if (!groupNames.has(group)) {
        ctx.addIssue({ code: 'custom', path: ['alerts', 'reviewers', i], message: `unknown group "${group}" (define it under groups)` });
      }
    });
    policy.risk.approverFallback.forEach((group, i) => {
      if (!groupNames.has(group)) {
        ctx.addIssue({
          code: 'custom',
          path: ['risk', 'approverFallback', i],
          message: `unknown group "${group}" (define it under groups)`,
        });
      }
    });
    for (const [name, resource] of Object.entries(policy.resources)) {
      const path = ['resources', name];
      resource.requesters?.forEach((group, i) => {
        if (!groupNames.has(group)) {
          ctx.addIssue({ code: 'custom', path: [...path, 'requesters', i], message: `unknown group "${group}" (define it under groups)` });
        }
      });
      const levels = Object.keys(resource.levels);
      if (resource.defaultLevel !== undefined && !levels.includes(resource.defaultLevel)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'defaultLevel'],
          message: `"${resource.defaultLevel}" is not one of its levels (${levels.join(', ')})`,
        });
      }
      for (const level of levels) {
        if (policy.risk.levels[level] === undefined) {
          ctx.addIssue({ code: 'custom', path: [...path, 'levels', level], message: `has no risk weight; add it under risk.levels` });
        }
      }
      if (resource.minDuration > resource.maxDuration) {
        ctx.addIssue({ code: 'custom', path: [...path, 'minDuration'], message: 'is longer than maxDuration' });
      }
      if (resource.defaultDuration < resource.minDuration || resource.defaultDuration > resource.maxDuration) {
        ctx.addIssue({ code: 'custom', path: [...path, 'defaultDuration'], message: 'must lie between minDuration and maxDuration' });
      }
      if (resource.maxTotalDuration !== undefined && resource.maxTotalDuration < resource.maxDuration) {
        ctx.addIssue({ code: 'custom', path: [...path, 'maxTotalDuration'], message: 'must be at least maxDuration' });
      }
    }
  });

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export type PolicyInput = z.input<typeof policySchema>;
export type Policy = z.output<typeof policySchema>;
export type Tier = Policy['tiers'][TierName];
export type ResourcePolicy = Policy['resources'][string];
export type ChannelRef = z.output<typeof channelRef>;
