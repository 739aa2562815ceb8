import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseCopy, parseDockerfile } from './dockerfile.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const stages = parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));
const runtime = stages.find((s) => s.name === 'runtime')!;
const last = (keyword: string) => runtime.instructions.findLast((i) => i.keyword === keyword)?.args;

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/\/+$/, '')
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) =>
      part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

/** .dockerignore semantics: the last pattern matching the path or one of its parent folders decides. */
function isInContext(path: string, ignoreFile: string): boolean {
  const rules = ignoreFile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) =>
      line.startsWith('!') ? { include: true, re: globToRegExp(line.slice(1)) } : { include: false, re: globToRegExp(line) },
    );
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let included = true;
  for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) included = rule.include;
  return included;
}

describe('the container image definition', () => {
  const ignore = readFileSync(join(root, '.dockerignore'), 'utf8');

  it('has a build stage with dev dependencies and a runtime stage with production ones only', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const runs = (name: string) =>
      stages
        .find((s) => s.name === name)!
        .instructions.filter((i) => i.keyword === 'RUN')
        .map((i) => i.args);
    expect(runs('build').join('\n')).toMatch(/npm ci(?! [^\n]*--omit=dev)/);
    expect(runs('build').join('\n')).toContain('npm run build');
    expect(runs('runtime').join('\n')).toMatch(/npm ci [^\n]*--omit=dev/);
    expect(last('ENTRYPOINT')).toBe('["node", "dist/cli/keycard.js"]');
  });

  it('copies only what is in the build context, and keeps secrets and local state out of it', () => {
    for (const stage of stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args))) {
        if (copy.from) continue;
        for (const source of copy.sources) {
          expect(existsSync(join(root, source)), source).toBe(true);
          expect(isInContext(source, ignore), `${source} in the build context`).toBe(true);
        }
      }
    }
    for (const path of [
      '.env',
      '.keycard/pgdata',
      'node_modules/pg',
      'src/node_modules/x',
      'test/ops/image.test.ts',
      '.git/config',
      'dist/main.js',
    ]) {
      expect(isInContext(path, ignore), path).toBe(false);
    }
  });

  it('runs as the same non-root user and port the Deployment expects', () => {
    const deployment = parseDocument(readFileSync(join(root, 'manifests/kubernetes/deployment.yaml'), 'utf8')).toJS() as {
      spec: {
        template: { spec: { securityContext: { runAsUser: number }; containers: Array<{ ports: Array<{ containerPort: number }> }> } };
      };
    };
    const pod = deployment.spec.template.spec;
    const [user = ''] = (last('USER') ?? '').split(':');
    expect(user).toMatch(/^[1-9]\d*$/);
    expect(Number(user)).toBe(pod.securityContext.runAsUser);
    expect(Number(last('EXPOSE'))).toBe(pod.containers[0]!.ports[0]!.containerPort);
    expect(runtime.instructions.some((i) => i.keyword === 'ENV' && i.args.includes(`PORT=${last('EXPOSE')}`))).toBe(true);
  });

  it('uses a Node version the package supports', () => {
    const node = /^node:(\d+)\.(\d+)\.\d+/.exec(runtime.image);
    expect(node).not.toBeNull();
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toBe('>=20.19 <21 || >=22');
    const [major, minor] = [Number(node![1]), Number(node![2])];
    expect((major === 20 && minor >= 19) || major >= 22).toBe(true);
  });
});
