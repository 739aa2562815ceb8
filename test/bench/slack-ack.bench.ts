import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { App, LogLevel } from '@slack/bolt';
import { SIGNING_SECRET, startSlackBench } from './slack-setup.js';
import { slackSignature, slashCommandBody } from './slack-wire.js';
import { type BenchRow, percentile } from './stats.js';

const STALL_MS = 30_000;

/** The baseline: a Bolt app on its default HTTP receiver whose /access handler only acks. */
async function startBareBolt(): Promise<{ url: string; stop(): Promise<void> }> {
  const app = new App({
    signingSecret: SIGNING_SECRET,
    token: 'xoxb-bare',
    botId: 'BBARE',
    botUserId: 'UBARE',
    tokenVerificationEnabled: false,
    logLevel: LogLevel.ERROR,
  });
  app.command('/access', async ({ ack }) => {
    await ack();
  });
  const server = (await app.start(0)) as { address(): AddressInfo | string | null };
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/slack/events`, stop: () => app.stop() as Promise<void> };
}

async function timedPost(url: string, body: string, ts: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', body, headers: slackSignature(SIGNING_SECRET, body, ts) });
  await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return performance.now() - started;
}

/**
 * Issue 6: ack latency of a signed slash command while the provider hangs for 30 s on every grant
 * (auto-approved low-risk requests, so the grant runs right behind the ack), against a bare Bolt app
 * that only acks, measured interleaved in the same process so both see the same machine.
 */
export async function benchSlackAck(requests = 300): Promise<BenchRow[]> {
  let keycard: Awaited<ReturnType<typeof startSlackBench>>;
  try {
    keycard = await startSlackBench();
  } catch (error) {
    return [{ benchmark: 'Slack ack', result: 'skipped', detail: `the Slack adapter did not start: ${String(error)}` }];
  }
  const bare = await startBareBolt();
  const release = keycard.h.provider.hangGrants();
  const stall = setTimeout(release, STALL_MS);
  try {
    const ours: number[] = [];
    const theirs: number[] = [];
    const warmup = 20;
    for (let i = 1; i <= requests + warmup; i += 1) {
      const text = 'demo-logs 1h read rotate the nightly logs OPS-12';
      const baseline = await timedPost(bare.url, slashCommandBody(`U${i}`, text), Math.floor(Date.now() / 1000));
      const keycardMs = await timedPost(keycard.eventsUrl, slashCommandBody(`U${i}`, text), keycard.timestamp());
      if (i <= warmup) continue;
      theirs.push(baseline);
      ours.push(keycardMs);
    }
    const stalled = keycard.h.provider.calls.filter((c) => c.op === 'grant').length;
    const ratio = percentile(ours, 99) / percentile(theirs, 99);
    return [
      {
        benchmark: 'Slack ack, provider stalled 30 s',
        result: `p99 ${percentile(ours, 99).toFixed(1)} ms`,
        reference: `bare Bolt app: p99 ${percentile(theirs, 99).toFixed(1)} ms`,
        detail: `signed /access, auto-approved, grant hanging (${stalled} grants in flight by the end): p50 ${percentile(ours, 50).toFixed(1)} ms, max ${Math.max(...ours).toFixed(1)} ms (${requests} requests)`,
      },
      {
        benchmark: 'Slack ack, bare Bolt app',
        result: `p99 ${percentile(theirs, 99).toFixed(1)} ms`,
        detail: `same requests, handler only acks: p50 ${percentile(theirs, 50).toFixed(1)} ms, max ${Math.max(...theirs).toFixed(1)} ms`,
      },
      {
        benchmark: 'Slack ack ratio (p99)',
        goal: '≤ 1.5×',
        result: `${ratio.toFixed(2)}×`,
        detail: `Keycard p99 / bare Bolt p99, interleaved in one run (goal ≤ 1.5×)`,
      },
    ];
  } finally {
    clearTimeout(stall);
    release();
    await bare.stop();
    await keycard.close();
  }
}
