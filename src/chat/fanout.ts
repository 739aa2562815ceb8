import type { ChannelRef } from '../core/policy/schema.js';
import type { AnomalyAlert, ChannelAlert, ChatPort, DirectMessage, IncidentRef } from '../core/ports/chat.js';
import type { RequestView } from '../core/views/request-view.js';

/**
 * Sends every chat event to each enabled platform (Slack, Teams, console). One platform failing
 * does not stop the others; the call fails only when every platform failed.
 */
export function createChatFanout(ports: ChatPort[]): ChatPort {
  const all = async (send: (port: ChatPort) => Promise<void>) => {
    if (ports.length === 0) return;
    const results = await Promise.allSettled(ports.map(send));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length === ports.length) throw failures[0]!.reason;
  };
  return {
    publishCard: (view: RequestView, channel: ChannelRef | undefined) => all((p) => p.publishCard(view, channel)),
    postThread: (view: RequestView, text: string) => all((p) => p.postThread(view, text)),
    sendDirect: (to: string, message: DirectMessage) => all((p) => p.sendDirect(to, message)),
    postAlert: (channel: ChannelRef | undefined, alert: ChannelAlert) => all((p) => p.postAlert(channel, alert)),
    // Platforms without the capability get the plain-text fallback from core instead.
    sendAnomaly: (to: string, alert: AnomalyAlert) =>
      all((p) =>
        p.sendAnomaly
          ? p.sendAnomaly(to, alert)
          : p.sendDirect(to, {
              kind: 'info',
              request: alert.request,
              text: `${alert.severity.toUpperCase()} on ${alert.request.ref}: ${alert.summary}`,
            }),
      ),
    postIncident: (incident: IncidentRef, view: RequestView, text: string) => all(async (p) => p.postIncident?.(incident, view, text)),
  };
}
