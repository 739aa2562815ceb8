import { describe, expect, it } from 'vitest';
import { createChatFanout } from '../../src/chat/fanout.js';
import {
  type AnomalyAlert,
  anomalyAsDirectMessage,
  CHAT_PORT_METHODS,
  ChannelNotConfiguredError,
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

  /** A Teams port with no channel for a tier or alerts message (the policy names only Slack's). */
  const nowhereOnTeams = forwardChatPort(async (method) => {
    throw method === 'postAlert'
      ? new ChannelNotConfiguredError('teams', 'alerts.channel.teams', 'alerts channel')
      : new ChannelNotConfiguredError('teams', 'tiers.high.channel.teams', 'approval channel for the high tier');
  });

  it('the fan-out does not count a platform with no channel configured as failed, and says so once per setting at info', async () => {
    const log = createRecordingLog();
    const calls: Array<[ChatPortMethod, unknown[]]> = [];
    const fanout = createChatFanout(
      [
        { platform: 'slack', chat: recordingPort(calls) },
        { platform: 'teams', chat: nowhereOnTeams },
      ],
      log,
    );
    for (let card = 0; card < 3; card += 1) await fanout.publishCard({} as RequestView, { slack: 'C1' });
    await fanout.postAlert({ slack: 'C2' }, { kind: 'info', text: 'drift' });
    await fanout.postAlert({ slack: 'C2' }, { kind: 'info', text: 'drift again' });
    expect(calls.map(([m]) => m)).toEqual(['publishCard', 'publishCard', 'publishCard', 'postAlert', 'postAlert']);
    expect(log.lines).toEqual([
      {
        level: 'info',
        message: 'no channel on this platform; not posted there',
        fields: { platform: 'teams', what: 'publishCard', setting: 'tiers.high.channel.teams' },
      },
      {
        level: 'info',
        message: 'no channel on this platform; not posted there',
        fields: { platform: 'teams', what: 'postAlert', setting: 'alerts.channel.teams' },
      },
    ]);
  });

  it('the fan-out still fails when no platform delivered: with the real failure first, else with "nowhere configured"', async () => {
    const down = forwardChatPort(async () => {
      throw new Error('down');
    });
    const log = createRecordingLog();
    const nowhereOnSlack = forwardChatPort(async () => {
      throw new ChannelNotConfiguredError('slack', 'alerts.channel.slack', 'alerts channel');
    });
    const nowhere = createChatFanout(
      [
        { platform: 'slack', chat: nowhereOnSlack },
        { platform: 'teams', chat: nowhereOnTeams },
      ],
      log,
    );
    await expect(nowhere.postAlert(undefined, { kind: 'info', text: 'x' })).rejects.toThrow(
      'no alerts channel on slack: set alerts.channel.slack',
    );
    await expect(nowhere.postAlert(undefined, { kind: 'info', text: 'x' })).rejects.toBeInstanceOf(ChannelNotConfiguredError);
    const mixed = createChatFanout(
      [
        { platform: 'slack', chat: nowhereOnSlack },
        { platform: 'teams', chat: down },
      ],
      log,
    );
    await expect(mixed.postAlert(undefined, { kind: 'info', text: 'x' })).rejects.toThrow('down');
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.fields.platform)).toEqual(['teams']);
  });

  it('the metrics wrapper does not count a message with no channel on its platform as a failed delivery', async () => {
    const failures: string[] = [];
    const wrapped = instrumentChat(nowhereOnTeams, 'teams', (f) => failures.push(`${f.platform}:${f.operation}`));
    await expect(wrapped.postAlert(undefined, { kind: 'info', text: 'x' })).rejects.toBeInstanceOf(ChannelNotConfiguredError);
    expect(failures).toEqual([]);
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
