import { context, escapeText, LIMITS, type SlackMessage, section, truncate } from './block-kit.js';

/** A link in mrkdwn, only for https URLs Slack gave us (permalinks); anything else renders as the bare label. */
export function slackLink(url: string | undefined, label: string): string {
  const safe = url && /^https:\/\/[^\s<>|]+$/.test(url) ? url : undefined;
  return safe ? `<${safe}|${escapeText(label)}>` : escapeText(label);
}

/** The root of an incident's one thread. */
export function renderIncidentRoot(key: string): SlackMessage {
  const text = `Production access for ${key}`;
  return {
    text,
    blocks: [
      section(`:key: *${escapeText(text)}*`),
      context(
        'Keycard posts every access request linked to this incident in this thread: who asked for what, approvals, grants, anomalies and revocations.',
      ),
    ],
  };
}

/**
 * Several requests share one incident thread, so every line names its request; core's lines start with
 * `KC-n:` except the anomaly line, which gets the prefix here.
 */
export function withRef(ref: string, text: string): string {
  return text.startsWith(`${ref}:`) ? text : `${ref}: ${text}`;
}

/** One lifecycle event in the incident thread, linking back to the request's approval card when it has one. */
export function renderIncidentLine(text: string, card?: { ref: string; url: string }): SlackMessage {
  return {
    text: truncate(text, LIMITS.fallbackText),
    blocks: [section(escapeText(text)), ...(card ? [context(`${slackLink(card.url, `${card.ref} approval card`)}`)] : [])],
  };
}
