import { createHash } from 'node:crypto';
import { type App, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../../core/ports/runtime.js';
import { createBoltLogger } from './bolt-logger.js';
import { type DeliveryGuard, deliveryKeys } from './http/delivery-guard.js';
import type { SlackAdapterOptions } from './options.js';
import type { WebClientOptions } from './web-clients.js';

export interface SocketConnection {
  receiver: SocketModeReceiver;
  connected(): boolean;
  disconnect(): Promise<void>;
}

/**
 * Socket Mode: Keycard dials out to Slack over a WebSocket (app-level token, connections:write), so it
 * needs no public URL and no signing secret. The WebSocket itself is authenticated, so there is no
 * signature to check; redeliveries of an envelope are still dropped (see `dropRedeliveries`).
 */
export function createSocketConnection(
  appToken: string,
  clientOptions: NonNullable<WebClientOptions>,
  options: SlackAdapterOptions,
  log: Logger,
): SocketConnection {
  const receiver = new SocketModeReceiver({
    appToken,
    logger: createBoltLogger(log),
    installerOptions: { clientOptions },
    ...(options.socket?.clientPingTimeoutMs ? { clientPingTimeout: options.socket.clientPingTimeoutMs } : {}),
    ...(options.socket?.serverPingTimeoutMs ? { serverPingTimeout: options.socket.serverPingTimeoutMs } : {}),
    autoReconnectEnabled: options.socket?.autoReconnect ?? true,
  });
  let connected = false;
  receiver.client.on('connected', () => {
    connected = true;
    log.info('Slack Socket Mode connected');
  });
  for (const state of ['disconnected', 'reconnecting']) {
    receiver.client.on(state, () => {
      if (connected) log.warn({ state }, 'Slack Socket Mode connection lost');
      connected = false;
    });
  }
  return {
    receiver,
    connected: () => connected,
    disconnect: async () => {
      await receiver.client.disconnect();
    },
  };
}

/**
 * Slack redelivers an envelope it saw no ack for; the same body (or event id) is processed once across
 * every replica, and envelopes from another workspace are refused, as over HTTP.
 */
export function dropRedeliveries(app: App, guard: DeliveryGuard, log: Logger): void {
  app.use(async (args) => {
    const body = args.body as unknown as Record<string, unknown>;
    const key = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const verdict = await guard.admit(deliveryKeys(key, body), body);
    if (verdict === 'first') return args.next();
    if (verdict === 'duplicate') log.info('ignored a Slack delivery that was already processed');
    if ('ack' in args && typeof args.ack === 'function') await args.ack();
  });
}
