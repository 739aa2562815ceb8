import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freshPostgresDatabase, hasTestPostgres } from '../helpers/db.js';
import { keycardLauncher } from './keycard-process.js';
import { rawPost } from './raw-post.js';
import { BARE_NODE_ARGS, rssOf, type ServedProcess, sleep, spawnServed, toMb } from './serve-process.js';
import { slackSignature, slashCommandBody, startSlackStub } from './slack-wire.js';
import { type BenchRow, percentile } from './stats.js';

const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';
const BURST = 500;
const IDLE_SETTLE_MS = 2_000;
const BURST_DEADLINE_MS = 60_000;

const median = (values: number[]) => percentile(values, 50);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const millis = (ms: number) => `${ms.toFixed(0)} ms`;
const spread = (values: number[], unit: (v: number) => string) => `min ${unit(Math.min(...values))}, max ${unit(Math.max(...values))}`;

interface Sample {
  readyMs: number;
  idleRss: number;
}

async function sampleOf(served: ServedProcess): Promise<Sample> {
  await sleep(IDLE_SETTLE_MS);
  return { readyMs: served.readyMs, idleRss: rssOf(served.pid) };
}

/** `keycard start` with Slack configured against the local stub, as the image runs it. */
function keycardArgs(): { args: string[]; label: string } {
  const launcher = keycardLauncher();
  return { args: launcher.args, label: launcher.label };
}

function slackEnv(apiUrl: string): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-bench-0000000000',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: apiUrl,
    KEYCARD_AUDIT_KEY: 'ab'.repeat(32),
  };
}

/** Slack shows the user an error when a request is not answered within this. */
const SLACK_ACK_LIMIT_MS = 3_000;

export interface BurstResult {
  peak: number;
  perSecond: number;
  recorded: number;
  resets: number;
  /** Per POST: from its first send to the end of the response (a reset and resend counts in full, as Slack sees it). */
  ackMs: number[];
}

/**
 * 500 signed slash commands posted at once; RSS sampled until the process has recorded all of them. Their
 * response_urls point at the stub (`responseBase`): Slack's host does not resolve here, and a burst of failing
 * DNS lookups took seconds each.
 */
export async function burst(served: ServedProcess, responseBase: string): Promise<BurstResult> {
  const events = new URL(`http://127.0.0.1:${served.port}/slack/events`);
  let peak = rssOf(served.pid);
  const started = performance.now();
  let resets = 0;
  const ackMs: number[] = [];
  const posts = Array.from({ length: BURST }, async (_, i) => {
    const body = slashCommandBody(`U${i + 1}`, 'demo-logs 1h read rotate the nightly logs OPS-12', responseBase);
    const sent = performance.now();
    // Slack retries a delivery that fails; a connection reset under the burst is sent again, and counted.
    for (let attempt = 0; ; attempt += 1) {
      try {
        const headers = slackSignature(SIGNING_SECRET, body, Math.floor(Date.now() / 1000));
        await rawPost(events, body, headers);
        ackMs.push(performance.now() - sent);
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
        resets += 1;
        await sleep(100);
      }
    }
  });
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(served.pid));
  }, 20);
  try {
    await Promise.all(posts);
    let submitted = 0;
    // A bound, so a lost request shows in the row (recorded < 500) instead of stalling the whole run.
    while (submitted < BURST && performance.now() - started < BURST_DEADLINE_MS) {
      const text = await (await fetch(`http://127.0.0.1:${served.metricsPort ?? served.port}/metrics`)).text();
      submitted = [...text.matchAll(/^keycard_requests_submitted_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      if (submitted < BURST) await sleep(20);
    }
    return {
      peak: Math.max(peak, rssOf(served.pid)),
      perSecond: submitted / ((performance.now() - started) / 1000),
      recorded: submitted,
      resets,
      ackMs,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** p50 / p99 / max of the ack times in the run with the slowest p99, and how many of them Slack would have given up on. */
function ackSummary(bursts: BurstResult[]): string {
  const worst = bursts.reduce((a, b) => (percentile(b.ackMs, 99) > percentile(a.ackMs, 99) ? b : a));
  const over = worst.ackMs.filter((ms) => ms > SLACK_ACK_LIMIT_MS).length;
  return `p50 ${millis(median(worst.ackMs))}, p99 ${millis(percentile(worst.ackMs, 99))}, max ${millis(Math.max(...worst.ackMs))}; ${over} over ${seconds(SLACK_ACK_LIMIT_MS)}`;
}

/**
 * Rows 1-3 of the issue's table: `keycard start` with Slack against a local stub, on PGlite (fresh and
 * existing data dir) and on Postgres: spawn → first 200 on /readyz, RSS 2 s after ready, and on Postgres
 * RSS and throughput in a 500-request burst. Each Keycard run is paired with a bare `node` HTTP server
 * started right before it, so the figures can be read against the machine's current speed.
 */
export async function benchRuntime(runs: number): Promise<BenchRow[]> {
  const { args, label } = keycardArgs();
  const stub = await startSlackStub();
  const env = slackEnv(stub.apiUrl);
  const bare: Sample[] = [];
  const fresh: Sample[] = [];
  const existing: Sample[] = [];
  const reference = async (cwd: string) => {
    const served = await spawnServed(BARE_NODE_ARGS, {}, cwd);
    try {
      bare.push(await sampleOf(served));
    } finally {
      await served.stop();
    }
  };
  const keycard = async (cwd: string, extra: Record<string, string>, into: Sample[], after?: (s: ServedProcess) => Promise<void>) => {
    const served = await spawnServed(args, { ...env, ...extra }, cwd);
    try {
      into.push(await sampleOf(served));
      await after?.(served);
    } finally {
      await served.stop();
    }
  };
  const rows: BenchRow[] = [];
  try {
    for (let i = 0; i < runs; i += 1) {
      const dir = mkdtempSync(join(tmpdir(), 'kc-runtime-'));
      try {
        await reference(dir);
        await keycard(dir, { KEYCARD_DATA_DIR: join(dir, 'data') }, fresh);
        await keycard(dir, { KEYCARD_DATA_DIR: join(dir, 'data') }, existing);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const ref = `bare node: ${seconds(median(bare.map((s) => s.readyMs)))}, ${toMb(median(bare.map((s) => s.idleRss)))} MB`;
    const readyRow = (name: string, samples: Sample[]): BenchRow => ({
      benchmark: `keycard start, Slack, ${name}: start → /readyz`,
      goal: '≤ 2 s',
      result: seconds(median(samples.map((s) => s.readyMs))),
      reference: ref,
      detail: `median of ${samples.length} (${spread(
        samples.map((s) => s.readyMs),
        seconds,
      )}); ${label}`,
    });
    rows.push(readyRow('PGlite, fresh data dir', fresh), readyRow('PGlite, existing data dir', existing));
    const all = [...fresh, ...existing];
    rows.push({
      benchmark: 'keycard start, Slack, PGlite: idle RSS',
      goal: '≤ 250 MB',
      result: `${toMb(Math.max(median(fresh.map((s) => s.idleRss)), median(existing.map((s) => s.idleRss))))} MB`,
      reference: ref,
      detail: `2 s after ready; fresh ${toMb(median(fresh.map((s) => s.idleRss)))} MB, existing ${toMb(median(existing.map((s) => s.idleRss)))} MB (${spread(
        all.map((s) => s.idleRss),
        (b) => `${toMb(b)} MB`,
      )})`,
    });
    if (!hasTestPostgres()) {
      rows.push({ benchmark: 'keycard start, Slack, Postgres', result: 'skipped', detail: 'set TEST_DATABASE_URL to run it' });
      return rows;
    }
    const onPg: Sample[] = [];
    const bursts: BurstResult[] = [];
    const pgBare: Sample[] = [];
    for (let i = 0; i < runs; i += 1) {
      const database = await freshPostgresDatabase();
      const dir = mkdtempSync(join(tmpdir(), 'kc-runtime-'));
      try {
        // The first start migrates the empty database; the measured one is a restart, as a deploy is.
        await keycard(dir, { DATABASE_URL: database.url }, []);
        const before = bare.length;
        await reference(dir);
        pgBare.push(...bare.splice(before));
        await keycard(dir, { DATABASE_URL: database.url }, onPg, async (served) => {
          bursts.push(await burst(served, stub.responseBase));
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await database.dispose();
      }
    }
    const pgRef = `bare node: ${seconds(median(pgBare.map((s) => s.readyMs)))}, ${toMb(median(pgBare.map((s) => s.idleRss)))} MB`;
    rows.push(
      {
        benchmark: 'keycard start, Slack, Postgres: start → /readyz',
        goal: '≤ 1 s',
        result: seconds(median(onPg.map((s) => s.readyMs))),
        reference: pgRef,
        detail: `migrated database (a restart), median of ${onPg.length} (${spread(
          onPg.map((s) => s.readyMs),
          seconds,
        )})`,
      },
      {
        benchmark: 'keycard start, Slack, Postgres: idle RSS',
        goal: '≤ 120 MB',
        result: `${toMb(median(onPg.map((s) => s.idleRss)))} MB`,
        reference: pgRef,
        detail: `2 s after ready (${spread(
          onPg.map((s) => s.idleRss),
          (b) => `${toMb(b)} MB`,
        )})`,
      },
      {
        benchmark: `keycard start, Slack, Postgres: RSS in a ${BURST}-request burst`,
        goal: '≤ 250 MB',
        result: `${toMb(median(bursts.map((b) => b.peak)))} MB`,
        reference: pgRef,
        detail: `peak while ${BURST} signed /access commands are posted at once and recorded (max ${toMb(Math.max(...bursts.map((b) => b.peak)))} MB)`,
      },
      {
        benchmark: `burst of ${BURST} requests over Slack HTTP, Postgres`,
        result: `${median(bursts.map((b) => b.perSecond)).toFixed(0)} requests/s`,
        reference: '',
        detail: `stricter than the issue's queued burst (no goal of its own): each request is a signed delivery over HTTP and 3 Web API calls at the stub; posted at once to a started keycard; until all are recorded (recorded ${Math.min(...bursts.map((b) => b.recorded))} of ${BURST} at worst, ${Math.max(...bursts.map((b) => b.resets))} connections reset and resent; min ${Math.min(...bursts.map((b) => b.perSecond)).toFixed(0)}, max ${Math.max(...bursts.map((b) => b.perSecond)).toFixed(0)})`,
      },
      {
        benchmark: `burst of ${BURST} requests over Slack HTTP, Postgres: ack time`,
        goal: `every ack ≤ ${seconds(SLACK_ACK_LIMIT_MS)}`,
        result: `${Math.max(...bursts.map((b) => b.ackMs.filter((ms) => ms > SLACK_ACK_LIMIT_MS).length))} of ${BURST} over`,
        reference: '',
        detail: `HTTP response time of each POST in the burst above, worst run: ${ackSummary(bursts)}`,
      },
    );
    return rows;
  } finally {
    await stub.close();
  }
}
