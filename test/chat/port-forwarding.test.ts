import { describe, expect, it } from 'vitest';
import { createChatFanout } from '../../src/chat/fanout.js';
import {
  type AnomalyAlert,
  anomalyAsDirectMessage,
  CHAT_PORT_METHODS,
  type ChatPort,
  type ChatPortMethod,
} from '../../src/core/ports/chat.js';
import { decorateChatPort, forwardChatPort } from '../../src/core/ports/forward-chat.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import type { RequestView } from '../../src/core/views/request-view.js';
import { instrumentChat } from '../../src/metrics/instrument-chat.js';
import { createRecordingLog } from '../helpers/recording-log.js';

const methods = Object.keys(CHAT_PORT_METHODS) as ChatPortMethod[];

/** A port that records which member was called with which arguments. */
function recordingPort(calls: Array<[ChatPortMethod, unknown[]]>): ChatPort {
  return forwardChatPort(async (method, args) => {
    calls.push([method, args]);
  });
}

describe('chat port: every member is required and forwarded', () => {
  it('lists the six capabilities the core uses', () => {
    expect(methods.sort()).toEqual(['postAlert', 'postIncident', 'postThread', 'publishCard', 'sendAnomaly', 'sendDirect']);
  });

  it('an object missing a member is not a ChatPort (compile-time)', () => {
    const partial = { publishCard: async () => {}, postThread: async () => {}, sendDirect: async () => {}, postAlert: async () => {} };
    // @ts-expect-error sendAnomaly and postIncident are required: a wrapper that drops them must not compile
    const port: ChatPort = partial;
    expect(port).toBe(partial);
  });

  const decorators: Array<[string, (inner: ChatPort) => ChatPort]> = [
    ['the metrics wrapper', (inner) => instrumentChat(inner, 'slack', () => {})],
    ['the fan-out', (inner) => createChatFanout([{ platform: 'console', chat: inner }], silentLogger)],
    ['a generic decorator', (inner) => decorateChatPort(inner, (_, call) => call())],
  ];
  it.each(decorators)('%s forwards every member with its arguments', async (_, wrap) => {
    const calls: Array<[ChatPortMethod, unknown[]]> = [];
    const wrapped = wrap(recordingPort(calls));
    for (const method of methods) {
      const args = [`${method}-a`, `${method}-b`, `${method}-c`];
      await (wrapped[method] as (...a: unknown[]) => Promise<void>)(...args);
    }
    expect(calls.map(([m]) => m)).toEqual(methods);
    for (const [method, args] of calls) expect(args).toEqual([`${method}-a`, `${method}-b`, `${method}-c`]);
  });

  it('the metrics wrapper reports a failing anomaly DM and incident post under their own names', async () => {
    const failures: string[] = [];
    const failing = forwardChatPort(async () => {
      throw new Error('boom');
    });
    const wrapped = instrumentChat(failing, 'teams', (f) => failures.push(`${f.platform}:${f.operation}`));
    await expect(wrapped.sendAnomaly('a@example.com', {} as AnomalyAlert)).rejects.toThrow('boom');
    await expect(wrapped.postIncident({ key: 'INC-1' }, {} as RequestView, 'x')).rejects.toThrow('boom');
    expect(failures).toEqual(['teams:sendAnomaly', 'teams:postIncident']);
  });

  it('the fan-out fails only when every platform failed', async () => {
    const calls: Array<[ChatPortMethod, unknown[]]> = [];
    const failing = forwardChatPort(async () => {
      throw new Error('down');
    });
    const slack = { platform: 'slack' as const, chat: recordingPort(calls) };
    const teams = { platform: 'teams' as const, chat: failing };
    await expect(
      createChatFanout([teams, slack], silentLogger).postIncident({ key: 'INC-1' }, {} as RequestView, 't'),
    ).resolves.toBeUndefined();
    await expect(createChatFanout([teams, { ...slack, chat: failing }], silentLogger).sendAnomaly('x', {} as AnomalyAlert)).rejects.toThrow(
      'down',
    );
    expect(calls.map(([m]) => m)).toEqual(['postIncident']);
  });

  it('the fan-out logs a platform that failed while another delivered, by name and without URL credentials', async () => {
    const log = createRecordingLog();
    const refused = forwardChatPort(async () => {
      throw new Error('request to https://bot:s3cret@smba.example.net/teams failed, reason: connect ECONNREFUSED 127.0.0.1:443');
    });
    const fanout = createChatFanout(
      [
        { platform: 'slack', chat: recordingPort([]) },
        { platform: 'teams', chat: refused },
      ],
      log,
    );
    await fanout.postAlert({ slack: 'C1', teams: '19:x@thread.tacv2' }, { kind: 'break_glass', text: 'BREAK-GLASS' });
    await fanout.sendAnomaly('bob@example.com', {} as AnomalyAlert);
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message: 'chat delivery failed',
        fields: { platform: 'teams', what: 'postAlert', err: expect.stringContaining('ECONNREFUSED') },
      },
      { level: 'warn', message: 'chat delivery failed', fields: { platform: 'teams', what: 'sendAnomaly', err: expect.any(String) } },
    ]);
    expect(JSON.stringify(log.lines)).not.toContain('s3cret');
  });

  it('the fan-out names every platform when all failed, and leaves a lone platform’s failure to its caller', async () => {
    const failing = forwardChatPort(async () => {
      throw new Error('down');
    });
    const log = createRecordingLog();
    const both = createChatFanout(
      [
        { platform: 'slack', chat: failing },
        { platform: 'teams', chat: failing },
      ],
      log,
    );
    await expect(both.publishCard({} as RequestView, undefined)).rejects.toThrow('down');
    expect(log.lines.map((l) => [l.level, l.fields.platform, l.message])).toEqual([
      ['warn', 'slack', 'chat delivery failed'],
      ['warn', 'teams', 'chat delivery failed'],
    ]);
    const alone = createRecordingLog();
    await expect(createChatFanout([{ platform: 'teams', chat: failing }], alone).publishCard({} as RequestView, undefined)).rejects.toThrow(
      'down',
    );
    expect(alone.lines).toEqual([]);
  });
});

describe('the explicit fallback for a platform without interactive DMs', () => {
  const alert: AnomalyAlert = {
    request: { ref: 'KC-7' } as RequestView,
    detector: 'destructive_sql',
    severity: 'high',
    summary: 'TRUNCATE orders',
    at: new Date('2026-01-01T00:00:00Z'),
    autoRevoked: true,
    extendBy: 0,
    actions: ['revoke', 'acknowledge'],
  };
  it('renders the anomaly as a plain DM naming the grant, severity, summary and any automatic revoke', () => {
    expect(anomalyAsDirectMessage(alert)).toEqual({
      kind: 'info',
      request: alert.request,
      text: 'HIGH on KC-7: TRUNCATE orders · Keycard revoked the grant automatically',
    });
  });
  it('an adapter using it delivers through its own sendDirect', async () => {
    const sent: unknown[] = [];
    const plain: ChatPort = {
      ...forwardChatPort(async () => {}),
      sendDirect: async (to, message) => {
        sent.push([to, message]);
      },
      sendAnomaly(to, a) {
        return this.sendDirect(to, anomalyAsDirectMessage(a));
      },
    };
    await instrumentChat(plain, 'console', () => {}).sendAnomaly('bob@example.com', { ...alert, autoRevoked: false });
    expect(sent).toEqual([['bob@example.com', { kind: 'info', request: alert.request, text: 'HIGH on KC-7: TRUNCATE orders' }]]);
  });
});
