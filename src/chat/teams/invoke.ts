import type { InvokeResponse } from 'botbuilder';
import type { Logger } from '../../core/ports/runtime.js';
import { neutraliseControls } from '../../core/views/safe-text.js';
import type { ActionOutcome } from './actions.js';
import { CARD_CONTENT_TYPE } from './cards/adaptive.js';

/** Teams shows this kind of answer to the person who clicked and leaves the card as it was. */
const MESSAGE_TYPE = 'application/vnd.microsoft.activity.message';
const REMEMBER_MS = 10 * 60_000;
const REMEMBER_MAX = 1_000;

export function toInvokeResponse(outcome: ActionOutcome): InvokeResponse {
  const body =
    outcome.kind === 'card'
      ? { statusCode: 200, type: CARD_CONTENT_TYPE, value: outcome.card }
      : { statusCode: 200, type: MESSAGE_TYPE, value: neutraliseControls(outcome.text) };
  return { status: 200, body };
}

export interface InvokeRunnerOptions {
  /** How long a click may take before Teams gets an interim answer; the work itself continues. */
  deadlineMs: number;
  now: () => number;
  log: Logger;
  /** Keeps background work visible to `stop()` and to tests. */
  track: (work: Promise<unknown>) => void;
}

export interface InvokeJob {
  /** The click's activity id: Teams redelivers an unanswered invoke with the same id. */
  id: string | undefined;
  work: () => Promise<ActionOutcome>;
  interim: () => Promise<ActionOutcome>;
  /** Tells the clicker an outcome that arrived after the interim answer (refusals, errors). */
  late: (outcome: ActionOutcome) => Promise<void>;
}

/**
 * Answers `adaptiveCard/action` invokes within the deadline. Slow work (a grant at the provider) runs on
 * after the answer and updates the card proactively. A redelivered invoke gets the first answer again
 * instead of a second attempt, so one click is one transition and one audit record on this replica
 * (core's conditional updates keep it one across replicas).
 */
export function createInvokeRunner(options: InvokeRunnerOptions) {
  const answers = new Map<string, { at: number; response: Promise<InvokeResponse> }>();

  const forget = () => {
    const cutoff = options.now() - REMEMBER_MS;
    for (const [id, entry] of answers) if (entry.at < cutoff || answers.size > REMEMBER_MAX) answers.delete(id);
  };

  const answer = async (job: InvokeJob): Promise<InvokeResponse> => {
    const work = job.work();
    options.track(work);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), options.deadlineMs);
      timer.unref?.();
    });
    const first = await Promise.race([work, deadline]).finally(() => clearTimeout(timer));
    if (first) return toInvokeResponse(first);
    options.log.info({ invokeId: job.id }, 'teams invoke answered before its work finished');
    const later = work.then(async (outcome) => {
      if (outcome.kind === 'message') await job.late(outcome);
    });
    options.track(later.catch((error: unknown) => options.log.warn({ err: String(error) }, 'teams late answer failed')));
    return toInvokeResponse(await job.interim());
  };

  return {
    run(job: InvokeJob): Promise<InvokeResponse> {
      if (!job.id) return answer(job);
      forget();
      const known = answers.get(job.id);
      if (known) {
        options.log.info({ invokeId: job.id }, 'teams invoke redelivered; answering as before');
        return known.response;
      }
      const response = answer(job);
      answers.set(job.id, { at: options.now(), response });
      return response;
    },
  };
}
