import type { ChannelRef } from '../../core/policy/schema.js';
import type { ChannelAlert, ChatPort, DirectMessage } from '../../core/ports/chat.js';
import type { Clock } from '../../core/ports/runtime.js';
import type { RequestView } from '../../core/views/request-view.js';
import { renderAlert, renderCard, renderDirect } from './render.js';

export interface ConsoleChatConfig {
  /** Writes one line of output (the console prints it; tests collect it). */
  write: (line: string) => void;
  clock: Clock;
}

/**
 * The console's chat port: cards, thread replies, DMs and alerts are printed, each addressed to
 * the channel or person it is for, so one terminal can play every participant.
 */
export function createConsoleChat(config: ConsoleChatConfig): ChatPort {
  const cardChannels = new Map<string, string>();
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
  };
}
