import { performance } from 'node:perf_hooks';
import { CARD_CHANNEL, SIGNING_SECRET, startSlackBench } from './slack-setup.js';
import { slackSignature, slashCommandBody } from './slack-wire.js';
import { type BenchRow, percentile } from './stats.js';

/**
 * Request → approval card through the Slack adapter: a signed `/access` slash command POSTed to
 * Keycard's /slack/events until chat.postMessage for its card reaches the (local) Web API. Includes the
 * ack, users.info, scoring, the database transaction and rendering. Sequential, one user per request.
 */
export async function benchRequestToCard(requests = 200): Promise<BenchRow> {
  let bench: Awaited<ReturnType<typeof startSlackBench>>;
  try {
    bench = await startSlackBench();
  } catch (error) {
    return { benchmark: 'request → card (Slack)', result: 'skipped', detail: `the Slack adapter did not start: ${String(error)}` };
  }
  try {
    const latencies: number[] = [];
    const warmup = 20;
    for (let i = 1; i <= requests + warmup; i += 1) {
      const card = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no card for request ${i} within 10 s`)), 10_000);
        bench.stub.onCall = (call) => {
          if (call.method === 'chat.postMessage' && call.args.channel === CARD_CHANNEL) {
            clearTimeout(timer);
            resolve(call.at);
          }
        };
      });
      const body = slashCommandBody(`U${i}`, 'demo-db 15m read checking replication lag INC-42');
      const started = performance.now();
      const ack = await fetch(bench.eventsUrl, { method: 'POST', body, headers: slackSignature(SIGNING_SECRET, body, bench.timestamp()) });
      if (ack.status !== 200) throw new Error(`slash command answered ${ack.status}`);
      await ack.text();
      const posted = await card;
      if (i > warmup) latencies.push(posted - started);
    }
    return {
      benchmark: 'request → card (Slack)',
      result: `p50 ${percentile(latencies, 50).toFixed(1)} ms`,
      detail: `signed /access → chat.postMessage of the card at a local Web API stub: p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (${requests} requests, PGlite)`,
    };
  } finally {
    await bench.close();
  }
}
