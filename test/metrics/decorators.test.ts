import { describe, expect, it } from 'vitest';
import type { ChatPort } from '../../src/core/ports/chat.js';
import { forwardChatPort } from '../../src/core/ports/forward-chat.js';
import { PROVIDER_PORT_METHODS, type Provider, ProviderError, type ProviderPortMethod } from '../../src/core/ports/provider.js';
import { silentLogger } from '../../src/core/ports/runtime.js';
import { KeycardError } from '../../src/core/result.js';
import type { RequestView } from '../../src/core/views/request-view.js';
import { createHttpServer } from '../../src/http/server.js';
import { createKeycardMetrics, instrumentChat, instrumentProvider, isRateLimitError } from '../../src/metrics/index.js';
import { TIMED_OPERATIONS } from '../../src/metrics/instrument-provider.js';
import { createScriptedProvider } from '../helpers/scripted-provider.js';
import { sampleOf } from './read-metric.js';

function failingChat(error: unknown): ChatPort {
  const fail = async () => {
    throw error;
  };
  return forwardChatPort(fail);
}

const view = { id: 'r1', ref: 'KC-1' } as RequestView;

describe('chat delivery metrics', () => {
  it.each([
    [
      'a Slack Web API rate-limit error',
      Object.assign(new Error('A rate limit was exceeded'), { code: 'slack_webapi_rate_limited_error' }),
    ],
    [
      'a Slack platform error "ratelimited"',
      Object.assign(new Error('An API error occurred: ratelimited'), { data: { ok: false, error: 'ratelimited' } }),
    ],
    ['a Teams connector 429', Object.assign(new Error('Too Many Requests'), { statusCode: 429 })],
    ['a Keycard error wrapping one', new KeycardError('slack_dm_failed', 'Slack refused a credential DM', { cause: { statusCode: 429 } })],
    ['a Keycard error naming it', new KeycardError('slack_dm_failed', 'Slack refused a denied DM to a@example.com: rate limited by Slack')],
  ])('counts %s as a 429 and rethrows it unchanged', async (_, error) => {
    expect(isRateLimitError(error)).toBe(true);
    const metrics = createKeycardMetrics({ processMetrics: false });
    const chat = instrumentChat(failingChat(error), 'slack', metrics.onChatFailure);
    await expect(chat.sendDirect('a@example.com', { kind: 'info', text: 'hi' })).rejects.toBe(error);
    expect(await sampleOf(metrics.registry, 'keycard_chat_errors_total', { platform: 'slack', operation: 'sendDirect' })).toBe(1);
    expect(await sampleOf(metrics.registry, 'keycard_chat_rate_limited_total', { platform: 'slack' })).toBe(1);
  });

  it('counts other failures as errors only, per platform and operation', async () => {
    const error = new KeycardError('slack_channel_unreachable', 'cannot post to Slack channel C1: not_in_channel');
    expect(isRateLimitError(error)).toBe(false);
    const metrics = createKeycardMetrics({ processMetrics: false });
    metrics.preset({ platforms: ['slack', 'teams'] });
    const teams = instrumentChat(
      failingChat(Object.assign(new Error('Unauthorized'), { statusCode: 401 })),
      'teams',
      metrics.onChatFailure,
    );
    const slack = instrumentChat(failingChat(error), 'slack', metrics.onChatFailure);
    await expect(slack.publishCard(view, undefined)).rejects.toBe(error);
    await expect(teams.postThread(view, 'x')).rejects.toThrow('Unauthorized');
    expect(await sampleOf(metrics.registry, 'keycard_chat_errors_total', { platform: 'slack', operation: 'publishCard' })).toBe(1);
    expect(await sampleOf(metrics.registry, 'keycard_chat_errors_total', { platform: 'teams', operation: 'postThread' })).toBe(1);
    expect(await sampleOf(metrics.registry, 'keycard_chat_rate_limited_total', { platform: 'slack' })).toBe(0);
    expect(await sampleOf(metrics.registry, 'keycard_chat_rate_limited_total', { platform: 'teams' })).toBe(0);
  });
});

describe('provider call metrics', () => {
  it('forwards every member of the provider port to the inner provider, and extra capabilities too', async () => {
    const metrics = createKeycardMetrics({ processMetrics: false });
    // A recording provider built from the port's own member list: a member added to the port is covered here too.
    const called: string[] = [];
    const inner = { kind: 'recording', activity: async () => 'sessions' } as unknown as Provider & { activity(): Promise<string> };
    for (const method of Object.keys(PROVIDER_PORT_METHODS) as ProviderPortMethod[]) {
      (inner as unknown as Record<string, unknown>)[method] = async () => {
        called.push(method);
        return method;
      };
    }
    const wrapped = instrumentProvider(inner, metrics.onProviderCall) as typeof inner;
    for (const method of Object.keys(PROVIDER_PORT_METHODS) as ProviderPortMethod[]) {
      const member = wrapped[method] as unknown as (input: unknown) => Promise<unknown>;
      expect(typeof member, method).toBe('function');
      await expect(member.call(wrapped, {}), method).resolves.toBe(method);
    }
    expect(called).toEqual(Object.keys(PROVIDER_PORT_METHODS));
    expect(await wrapped.activity()).toBe('sessions');
    expect(wrapped.kind).toBe('recording');
    expect(TIMED_OPERATIONS).toEqual(Object.keys(PROVIDER_PORT_METHODS).filter((m) => m !== 'close'));
  });

  it('times each call and counts failures by their vendor-neutral code', async () => {
    const metrics = createKeycardMetrics({ processMetrics: false });
    const inner = createScriptedProvider('demo');
    const provider = instrumentProvider(inner, metrics.onProviderCall);
    const input = {
      grantId: 'KC-1',
      requester: 'a@example.com',
      resource: 'demo-db',
      level: 'read',
      levelConfig: {},
      resourceConfig: {},
      expiresAt: new Date(),
      now: new Date(),
    };
    await provider.grant(input);
    inner.failGrants(1);
    await expect(provider.grant({ ...input, grantId: 'KC-2' })).rejects.toBeInstanceOf(ProviderError);
    await expect(provider.verifyRevoked({ ...input, ref: null })).resolves.toBe(false);
    const count = (labels: Record<string, string>) =>
      sampleOf(metrics.registry, 'keycard_provider_call_duration_seconds', labels, 'keycard_provider_call_duration_seconds_count');
    expect(await count({ provider: 'demo', operation: 'grant', result: 'ok' })).toBe(1);
    expect(await count({ provider: 'demo', operation: 'grant', result: 'error' })).toBe(1);
    expect(await count({ provider: 'demo', operation: 'verifyRevoked', result: 'ok' })).toBe(1);
    expect(
      await sampleOf(metrics.registry, 'keycard_provider_errors_total', { provider: 'demo', operation: 'grant', code: 'invalid_config' }),
    ).toBe(1);
  });
});

describe('GET /metrics', () => {
  it('serves the registry in the Prometheus text format with process metrics, and every Keycard metric even before it has data', async () => {
    const metrics = createKeycardMetrics();
    const http = createHttpServer({ log: silentLogger, ready: async () => ({ ok: true, checks: {} }), metrics: () => metrics.render() });
    const port = await http.listen(0, '127.0.0.1');
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
      const text = await response.text();
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
      for (const name of metricNames(text)) expect(name).toMatch(/^(keycard|process|nodejs)_/);
      const registered = metrics.registry.getMetricsAsArray().map((m) => m.name);
      expect(metricNames(text).filter((n) => n.startsWith('keycard_'))).toEqual(registered.filter((n) => n.startsWith('keycard_')));
      expect(registered.filter((n) => n.startsWith('keycard_')).length).toBeGreaterThanOrEqual(17);
    } finally {
      await http.close();
    }
  });

  it('is not there when no metrics are configured', async () => {
    const http = createHttpServer({ log: silentLogger, ready: async () => ({ ok: true, checks: {} }) });
    const port = await http.listen(0, '127.0.0.1');
    try {
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    } finally {
      await http.close();
    }
  });
});

function metricNames(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
}
