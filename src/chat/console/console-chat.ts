import type { ChannelRef } from '../../core/policy/schema.js';
import type { AnomalyAlert, ChannelAlert, ChatPort, DirectMessage, IncidentRef } from '../../core/ports/chat.js';
import type { Clock } from '../../core/ports/runtime.js';
import type { RequestView } from '../../core/views/request-view.js';
import { renderAlert, renderAnomaly, renderCard, renderDirect } from './render.js';

export interface ConsoleChatConfig {
  /** Writes one line of output (the console prints it; tests collect it). */
  write: (line: string) => void;
  clock: Clock;
}

/**
 * The console's chat port: cards, thread replies, incident threads, DMs (anomaly DMs with their typed
 * equivalents) and alerts are printed, each addressed to the channel or person it is for, so one
 * terminal can play every participant.
 */
export function createConsoleChat(config: ConsoleChatConfig): ChatPort {
  const cardChannels = new Map<string, string>();
  const openedIncidents = new Set<string>();
  const channelName = (channel: ChannelRef | undefined, fallback: string) => channel?.console ?? fallback;
  const emit = (prefix: string, lines: string[]) => {
    for (const [i, line] of lines.entries()) config.write(i === 0 ? `${prefix} ${line}` : `${' '.repeat(prefix.length)} ${line}`);
  };
  return {
    async publishCard(view: RequestView, channel: ChannelRef | undefined) {
      const name = channelName(channel, `#access-${view.tier}`);
      const seen = cardChannels.has(view.id);
      cardChannels.set(view.id, name);
      // Auto-approved requests never needed a card; show them in the thread/DM flow only.
      if (!seen && view.status !== 'pending') return;
      emit(`[${name}]`, renderCard(view, config.clock.now(), seen));
    },
    async postThread(view: RequestView, text: string) {
      const name = cardChannels.get(view.id);
      if (!name) return;
      config.write(`[${name} › ${view.ref}] ${text}`);
    },
    async sendDirect(to: string, message: DirectMessage) {
      emit(`[DM → ${to}]`, renderDirect(message, config.clock.now()));
    },
    async postAlert(channel: ChannelRef | undefined, alert: ChannelAlert) {
      emit(`[${channelName(channel, '#keycard-alerts')}]`, renderAlert(alert));
    },
    async sendAnomaly(to: string, alert: AnomalyAlert) {
      emit(`[DM → ${to}]`, renderAnomaly(alert, config.clock.now()));
    },
    async postIncident(incident: IncidentRef, view: RequestView, text: string) {
      // The console has no channel list: the incident's channel is the one the request came from, or its key in lower case.
      const channel = `#${incident.channelName ?? incident.key.toLowerCase()}`;
      if (!openedIncidents.has(incident.key)) {
        openedIncidents.add(incident.key);
        config.write(`[${channel}] Production access for ${incident.key}`);
      }
      config.write(`[${channel} › ${incident.key}] ${text.startsWith(`${view.ref}:`) ? text : `${view.ref}: ${text}`}`);
    },
  };
}
