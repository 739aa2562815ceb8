/** Just enough of a Dockerfile parser to replay Keycard's own Dockerfile outside Docker. */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  image: string;
  name: string;
  instructions: Instruction[];
}

/** Stages in order; comments, blank lines and `\` continuations handled, ARGs substituted in FROM. */
export function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line === '') continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const body = rest.join(' ');
    const upper = keyword.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name = '', value = ''] = body.split('=');
      args.set(name, value);
    } else if (upper === 'FROM') {
      const substituted = body.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? '');
      const [image = '', , name = `stage${stages.length}`] = substituted.split(/\s+/);
      stages.push({ image, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args: body });
    }
  }
  return stages;
}

/** `COPY [--from=x] src… dest` → its parts. */
export function parseCopy(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  const dest = paths.pop() ?? '';
  return { ...(from ? { from } : {}), sources: paths, dest };
}

/** `RUN [--mount=…] command` → the shell command. */
export function runCommand(args: string): string {
  return args
    .split(/\s+/)
    .filter((w) => !w.startsWith('--mount='))
    .join(' ');
}

/** `ENV A=1 B=2` → { A: '1', B: '2' }. */
export function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries(
    args
      .split(/\s+/)
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}
