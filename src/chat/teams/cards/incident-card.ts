import { type AdaptiveCard, type CardAction, card, inline, text, truncate } from './adaptive.js';

/** Opens a URL Keycard built (a Teams deep link); never user input. */
export function openUrl(title: string, url: string): CardAction {
  return { type: 'Action.OpenUrl', title, url };
}

/** The root of an incident's one thread. */
export function incidentRootCard(key: string): AdaptiveCard {
  return card([
    text(`Production access for ${key}`, { weight: 'Bolder', size: 'Medium' }),
    text(
      'Keycard posts every access request linked to this incident in this thread: who asked for what, approvals, grants, anomalies and revocations.',
      { isSubtle: true, spacing: 'Small' },
    ),
  ]);
}

/**
 * Several requests share one incident thread, so every line names its request; core's lines start with
 * `KC-n:` except the anomaly line, which gets the prefix here.
 */
export function withRef(ref: string, line: string): string {
  return line.startsWith(`${ref}:`) ? line : `${ref}: ${line}`;
}

/** One lifecycle event in the incident thread, with a link back to the request's approval card when there is one. */
export function incidentLineCard(line: string, cardLink?: { ref: string; url: string }): AdaptiveCard {
  return card([text(truncate(inline(line), 1500))], cardLink ? [openUrl(`${cardLink.ref} approval card`, cardLink.url)] : []);
}
