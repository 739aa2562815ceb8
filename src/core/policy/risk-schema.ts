import { z } from 'zod';
import { timeZoneProblem } from '../time-zone.js';
import { durationSchema, emailSchema, isCalendarDate } from './field-schemas.js';

const email = emailSchema;

/** An IANA time zone, refused with the likely intended spelling when the runtime does not know it. */
const timeZone = z
  .string()
  .superRefine((zone, ctx) => {
    const problem = timeZoneProblem(zone);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('IANA time zone (Europe/Berlin, America/New_York); an unknown one is refused');

/**
 * The factor weights that lower risk (discounts): they stay ≤ 0, every other factor weight ≥ 0. Calibration
 * keeps its proposals on that side, and `policy check` warns about a policy that crosses it.
 */
export const DISCOUNT_FACTORS: ReadonlySet<string> = new Set(['cleanHistory', 'routineWork', 'incidentKey', 'ticketKey', 'onCall']);

/** The risk model's weights, thresholds and factor settings (DESIGN.md §4). The defaults are round, conservative numbers;
 * manifests/policy.example.yaml carries weights fitted on generated histories (docs/risk-evaluation.md). */
export const riskSchema = z
  .object({
    sensitivity: z
      .object({
        low: z.number().default(0),
        medium: z.number().default(10),
        high: z.number().default(20),
        critical: z.number().default(35),
      })
      .strict()
      .default({ low: 0, medium: 10, high: 20, critical: 35 }),
    levels: z.record(z.string(), z.number()).default({ read: 0, write: 15, admin: 25 }),
    factors: z
      .object({
        durationOverHalf: z.number().default(5),
        durationOverThreeQuarters: z.number().default(10),
        offHours: z.number().default(10),
        weekend: z.number().default(15),
        firstAccess: z.number().default(10),
        cleanHistory: z.number().default(-5),
        recentDenial: z.number().default(3),
        recentAnomaly: z.number().default(5),
        velocity: z.number().default(10),
        newResourceBurst: z.number().default(10),
        incidentKey: z.number().default(-5),
        ticketKey: z.number().default(-5),
        weakReason: z.number().default(10),
        breakGlass: z.number().default(10),
        extension: z.number().default(0),
        onCall: z.number().default(-5),
        stepUp: z.number().default(5).describe('level or sensitivity above anything granted before on the resource family'),
        escalation: z.number().default(20).describe('escalationSteps or more climbs on one resource family within escalationWindow'),
        unusualNewResources: z
          .number()
          .default(15)
          .describe('unusualNewResourcesPerDay or more never-used resources in a day from someone with settled habits'),
        outsideWork: z.number().default(10).describe('a resource family never granted to someone with settled habits'),
        pastedReason: z.number().default(15).describe('the same reason text given for pastedReasonFamilies or more resource families'),
        borrowedReason: z
          .number()
          .default(10)
          .describe(
            'a reason borrowedReasonPeople or more other people gave in historyWindow, never the requester, on a family new to them',
          ),
        reasonMismatch: z
          .number()
          .default(10)
          .describe('the reason names other resources of the policy (by full name), and not the one requested nor its family'),
        durationVsHabit: z.number().default(10).describe('durationHabitRatio times (or more) their usual duration on this resource'),
        departure: z.number().default(25).describe('the requester leaves within departureWindow (directory or risk.departures)'),
        incidentNotResponder: z.number().default(10).describe('cites an incident they are known not to be responding to'),
        incidentUnknown: z
          .number()
          .default(5)
          .describe('cites an incident key that names no incident open then (PagerDuty has none by that number)'),
        ticketReuse: z
          .number()
          .default(5)
          .describe('a ticket cited for ticketMaxFamilies or more families, or first cited over ticketMaxAge ago'),
        approverConcentration: z.number().default(15).describe('one approver approves most of their requests, fast'),
        approverRubberStamp: z
          .number()
          .default(5)
          .describe('their usual approver never denied (neverDeniesDecisions) or approves high-risk requests within fastApproval'),
        routineWork: z
          .number()
          .default(-5)
          .describe('at least routineGrants grants of the resource ended cleanly in historyWindow (on top of cleanHistory)'),
        sessionAnomaly: z
          .number()
          .default(25)
          .describe('an anomaly alert fired during one of their grants on this resource within sessionAnomalyWindow'),
        sessionAnomalyElsewhere: z
          .number()
          .default(10)
          .describe('an anomaly alert fired during one of their grants on another resource within sessionAnomalyWindow'),
      })
      .strict()
      .prefault({}),
    thresholds: z
      .object({
        cleanHistoryGrants: z.number().int().min(1).default(3),
        historyWindow: durationSchema.prefault('90d'),
        denialWindow: durationSchema.prefault('30d'),
        maxDenials: z.number().int().min(0).default(3),
        maxAnomalies: z.number().int().min(0).default(2),
        velocityWindow: durationSchema.prefault('1h'),
        velocityRequests: z.number().int().min(1).default(5),
        newResourcesPerDay: z.number().int().min(1).default(3),
        minReasonWords: z.number().int().min(0).default(3),
        minReasonLength: z.number().int().min(0).default(12),
        routineGrants: z
          .number()
          .int()
          .min(1)
          .default(6)
          .describe('clean grants of a resource in historyWindow that make requesting it routine (routineWork)'),
        maxHistoryDiscount: z
          .number()
          .min(0)
          .default(10)
          .describe('cleanHistory and routineWork together never take off more points than this'),
        escalationWindow: durationSchema.prefault('45d').describe('how far back a climb in level or sensitivity counts as one escalation'),
        escalationSteps: z.number().int().min(1).default(2).describe('climbs within escalationWindow before the escalation factor applies'),
        habitMinGrants: z.number().int().min(1).default(8).describe('grants in historyWindow before habits count as settled'),
        unusualNewResourcesPerDay: z
          .number()
          .int()
          .min(1)
          .default(2)
          .describe('never-used resources in one day that count as unusual for someone with settled habits (unusualNewResources)'),
        pastedReasonFamilies: z
          .number()
          .int()
          .min(2)
          .default(3)
          .describe(
            "resource families, this request's included, that one reason text reaches when it counts as pasted (3: given for two families before, now for a third)",
          ),
        borrowedReasonPeople: z
          .number()
          .int()
          .min(1)
          .max(50)
          .default(2)
          .describe('other people who gave the same reason text in historyWindow before it counts as borrowed'),
        durationHabitRatio: z.number().min(1).default(2).describe('how many times their usual duration on a resource counts as unusual'),
        durationHabitGrants: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe('earlier requests of a resource before their usual duration on it is known (durationVsHabit)'),
        habitHourRequests: z
          .number()
          .int()
          .min(1)
          .default(4)
          .describe('separate days with a grant within habitHourWindow of this time of day that make off-hours usual for them'),
        habitHourWindow: durationSchema
          .prefault('90m')
          .describe('how close to this time of day an earlier grant of theirs counts for habitHourRequests'),
        sessionAnomalyWindow: durationSchema
          .prefault('14d')
          .describe('how recent an anomalous grant must be for sessionAnomaly (same resource) and sessionAnomalyElsewhere (another)'),
        departureWindow: durationSchema.prefault('30d').describe('how close to a known leave date the departure factor applies'),
        ticketMaxAge: durationSchema.prefault('30d').describe('a ticket first cited longer ago than this no longer lowers risk'),
        ticketMaxFamilies: z
          .number()
          .int()
          .min(2)
          .default(3)
          .describe(
            "resource families, this request's included, that one ticket reaches when it counts as reused (3: cited for two families before, now for a third)",
          ),
        approverShare: z
          .number()
          .min(0)
          .max(1)
          .default(0.7)
          .describe("share of a requester's approvals by one approver that counts as concentrated"),
        approverMinApprovals: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe(
            'approvals of a requester before approver concentration is judged, and high-risk approvals of an approver before their speed is (approver-rubber-stamp, the weekly report)',
          ),
        fastApproval: durationSchema
          .prefault('3m')
          .describe('a high-risk approval faster than this counts as fast (approver report, approverRubberStamp)'),
        neverDeniesDecisions: z
          .number()
          .int()
          .min(1)
          .max(200)
          .default(30)
          .describe('decisions in historyWindow without a denial before a usual approver counts as never denying (approverRubberStamp)'),
        historyCacheStaleness: durationSchema
          .prefault('1s')
          .describe(
            "How old the requester history a score reads may be: each requester's recent requests are held in memory and kept current by a change feed read every quarter of this (what any replica wrote); their own submissions, decisions and anomalies on this replica clear it at once; 0s: no cache, every score reads the database",
          ),
        autoApproveWindow: durationSchema.prefault('1d').describe('window over which autoApproveCap counts auto-approvals'),
        autoApproveCap: z
          .number()
          .int()
          .min(0)
          .default(20)
          .describe('after this many auto-approvals within autoApproveWindow a human decides (0: no cap)'),
      })
      .strict()
      .prefault({}),
    ticketPattern: z.string().default('\\b[A-Z][A-Z0-9]{1,9}-[0-9]+\\b'),
    departures: z
      .array(
        z
          .object({
            email: email.describe('who is leaving'),
            leaveDate: z
              .string()
              .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date like 2026-03-31' })
              .refine(isCalendarDate, { message: 'is not a day of the calendar (month 01–12, a day that month has), e.g. 2026-03-31' })
              .describe('their last working day (YYYY-MM-DD)'),
          })
          .strict(),
      )
      .default([])
      .describe('Departure source to start with: people leaving and their last day (the directory adds its own leave dates)'),
    approverFallback: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Groups that may also approve a one-approval request whose usual approver is concentrated (approver-concentration): the request is routed to them as well as to its tier',
      ),
    approverReport: z
      .object({
        enabled: z.boolean().default(true).describe('Post the weekly approver report to alerts.channel'),
        day: z
          .enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])
          .default('mon')
          .describe('Weekday it is posted on, in the policy timezone'),
        at: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a 24h time like "09:00"' })
          .default('09:00')
          .describe('Local time it is posted at, in the policy timezone'),
        period: durationSchema.prefault('7d').describe('How far back each report looks'),
        minDecisions: z
          .number()
          .int()
          .min(1)
          .default(10)
          .describe('Decisions in the period before an approver who never denied is flagged'),
      })
      .strict()
      .prefault({})
      .describe(
        'Weekly report to the security channel: approver–requester concentration, fast high-risk approvals, approvers who never deny (posted once per chat platform across replicas, retried on a platform that failed, audited)',
      ),
    timeZones: z
      .object({
        people: z
          .record(email, timeZone)
          .default({})
          .describe('IANA time zone per requester e-mail, for people whose directory gives none (Teams, SCIM)'),
        teams: z
          .record(z.string().min(1), timeZone)
          .default({})
          .describe('IANA time zone per team: the directory team/department, or a policy group the requester is in'),
      })
      .strict()
      .prefault({})
      .describe(
        "Where off-hours is judged: the directory's zone for the requester, else people, else the zone their Slack or Teams client reports, else teams, else the policy timezone",
      ),
  })
  .strict();
