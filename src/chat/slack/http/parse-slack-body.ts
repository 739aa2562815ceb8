/** What a Slack HTTP delivery turned out to be, once its signature checked out. */
export type ParsedDelivery =
  | { kind: 'ssl_check' }
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'event'; body: Record<string, unknown> }
  | { kind: 'invalid'; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Slash commands arrive form-encoded; interactivity arrives form-encoded with one JSON `payload`
 * field; the Events API arrives as JSON (including the one-off url_verification handshake).
 */
export function parseSlackBody(rawBody: Buffer, contentType: string | undefined): ParsedDelivery {
  const text = rawBody.toString('utf8');
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { kind: 'invalid', reason: 'body is not JSON' };
    }
    if (!isRecord(json)) return { kind: 'invalid', reason: 'body is not a JSON object' };
    if (json.type === 'url_verification' && typeof json.challenge === 'string')
      return { kind: 'url_verification', challenge: json.challenge };
    return { kind: 'event', body: json };
  }
  if (type === 'application/x-www-form-urlencoded') {
    const form = new URLSearchParams(text);
    if (form.get('ssl_check') === '1') return { kind: 'ssl_check' };
    const payload = form.get('payload');
    if (payload === null) return { kind: 'event', body: Object.fromEntries(form) };
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      return { kind: 'invalid', reason: 'payload is not JSON' };
    }
    return isRecord(json) ? { kind: 'event', body: json } : { kind: 'invalid', reason: 'payload is not a JSON object' };
  }
  return { kind: 'invalid', reason: `unsupported content type "${type || 'none'}"` };
}
