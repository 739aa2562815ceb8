import type { IncidentRef } from '../ports/chat.js';
import type { AccessRequest } from '../types.js';
import type { RequestView } from '../views/request-view.js';
import type { CoreDeps } from './deps.js';

/** The incident a request is linked to, with the channel it came from when that was the incident channel. */
export function incidentOf(deps: CoreDeps, request: AccessRequest): IncidentRef | undefined {
  if (!request.incidentKey) return undefined;
  const incident: IncidentRef = { key: request.incidentKey, platform: request.origin.platform };
  const pattern = new RegExp(deps.policy().incidents.channelPattern, 'i');
  if (request.origin.channel && request.origin.channelName && pattern.test(request.origin.channelName)) {
    incident.channel = request.origin.channel;
    incident.channelName = request.origin.channelName;
  }
  return incident;
}

/** Posts a lifecycle event into the incident's one thread; chat failures are logged, never thrown. */
export async function announceIncidentEvent(deps: CoreDeps, request: AccessRequest, view: RequestView, text: string): Promise<void> {
  const incident = incidentOf(deps, request);
  if (!incident) return;
  try {
    await deps.chat.postIncident(incident, view, text);
  } catch (error) {
    deps.log.warn(
      { ref: view.ref, incident: incident.key, err: error instanceof Error ? error.message : String(error) },
      'incident thread post failed',
    );
  }
}

/** The incident key a request made in an incident channel refers to (`#inc-4211` → INC-4211). */
export function incidentKeyFromChannel(channelName: string | undefined, channelPattern: string, keyPattern: string): string | undefined {
  if (!channelName || !new RegExp(channelPattern, 'i').test(channelName)) return undefined;
  const key = new RegExp(keyPattern, 'i').exec(channelName)?.[0];
  return (key ?? channelName).toUpperCase();
}
