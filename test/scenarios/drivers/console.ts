import { PassThrough } from 'node:stream';
import { parseArgs } from '../../../src/cli/args.js';
import type { CliIo } from '../../../src/cli/io.js';
import { startCommand } from '../../../src/cli/start-command.js';
import type { Driver, RequestForm, Seen, Where } from '../driver.js';
import type { Started } from '../stories.js';
import {
  CONSOLE_CHANNELS,
  eventually,
  freePort,
  INCIDENT,
  type Person,
  SCENARIO_SETTINGS,
  scenarioEnvironment,
  startWebhookTarget,
} from '../world.js';

interface Typed {
  commands: string[];
}

const CHANNEL_NAMES = new Map(Object.entries(CONSOLE_CHANNELS).map(([logical, name]) => [name, logical]));

/** `[Approve] [Deny]  → type: approve KC-1 [comment]  |  deny KC-1 <reason>`: buttons and what each types. */
function buttonsOf(text: string): { buttons: string[]; commands: string[] } {
  const line = text.split('\n').find((l) => l.includes('→ type:'));
  if (!line) return { buttons: [], commands: [] };
  const [before = '', after = ''] = line.split('→ type:');
  const buttons = [...before.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
  const commands = after.split('  |  ').map((c) => c.replace(/\(.*\)/, '').trim());
  return { buttons, commands };
}

/** Turns the console's output lines into what each participant saw. */
function parse(lines: string[]): Seen[] {
  const seen: Seen[] = [];
  let user = 'nobody';
  let last: Seen | undefined;
  for (const line of lines) {
    const echo = /^(\S+)> /.exec(line);
    if (echo && !line.startsWith('[')) {
      user = echo[1]!;
      last = undefined;
      continue;
    }
    if (line.startsWith('  -> ')) {
      const body = line.slice(5);
      if (last?.to === `reply:${user}`) last.text += `\n${body}`;
      else {
        last = { to: `reply:${user}`, text: body, buttons: [], thread: false, update: false };
        seen.push(last);
      }
      continue;
    }
    const head = /^\[([^\]]+)\] (.*)$/.exec(line);
    if (head) {
      const [, target = '', body = ''] = head;
      const [place = '', threadOf] = target.split(' › ');
      let to: string;
      if (place.startsWith('DM → ')) to = `dm:${place.slice(5)}`;
      else if (CHANNEL_NAMES.has(place)) to = `channel:${CHANNEL_NAMES.get(place)}`;
      else if (place === `#${INCIDENT.toLowerCase()}`) to = 'incident';
      else to = `channel:${place}`;
      last = { to, text: body, buttons: [], thread: threadOf !== undefined, update: body.startsWith('card updated') };
      seen.push(last);
      continue;
    }
    if (last && line.startsWith(' ')) last.text += `\n${line.trim()}`;
  }
  for (const message of seen) {
    const { buttons, commands } = buttonsOf(message.text);
    message.buttons = buttons;
    message.handle = { commands } satisfies Typed;
  }
  return seen;
}

/**
 * The console driver: `keycard start` with no chat configured (the console with its HTTP server for
 * /activity), fed line by line on stdin like a person typing, its output read back as messages.
 */
export async function startConsoleDriver(): Promise<Started> {
  const webhook = await startWebhookTarget();
  const port = await freePort();
  const { cwd, env } = await scenarioEnvironment(webhook.url, { PORT: String(port) });
  const stdin = new PassThrough();
  const out: string[] = [];
  const io: CliIo = { out: (text) => out.push(...text.split('\n')), err: () => {}, env, cwd, stdin, stdoutIsTTY: false };
  const running = startCommand(io, parseArgs([], new Set()), { http: true, settings: SCENARIO_SETTINGS });
  await eventually(() => {
    if (!out.some((l) => l.startsWith('Resources:'))) throw new Error('console not ready');
  }, 60_000);

  let current: string | undefined;
  let sync = 0;
  const type = async (who: Person, line: string) => {
    if (current !== who.email) {
      stdin.write(`as ${who.email}\n`);
      current = who.email;
    }
    sync += 1;
    const marker = `# sync ${sync}`;
    stdin.write(`${line}\n${marker}\n`);
    // Lines run one after another: the marker's echo means the command before it has been answered.
    await eventually(() => {
      if (!out.some((l) => l.endsWith(`> ${marker}`))) throw new Error('not answered yet');
    });
  };

  const driver: Driver = {
    name: 'console',
    baseUrl: `http://127.0.0.1:${port}`,
    // The console has no channels: a request "in the incident channel" names the incident instead.
    say: (who, text, where?: Where) => type(who, `/access ${text}${where === 'incident-channel' ? ` ${INCIDENT}` : ''}`),
    // No form in a terminal: the same fields, typed.
    form: (who, f: RequestForm) => type(who, `/access ${f.resource} ${f.duration} ${f.level} ${f.reason}`),
    async click(who, message, label, input = {}) {
      const index = message.buttons.findIndex((b) => b.replace(/[’‘]/g, "'").startsWith(label.replace(/[’‘]/g, "'")));
      const command = (message.handle as Typed | undefined)?.commands[index];
      if (index < 0 || !command) throw new Error(`no "${label}" on console message: ${message.text}`);
      await type(who, command.replace(' [comment]', '').replace('<reason>', input.reason ?? 'from the scenario'));
    },
    seen: () => parse(out),
    async close() {
      stdin.end();
      await running;
    },
  };
  return { driver, webhook };
}
