import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parsePolicyText } from '../../src/config/policy-loader.js';
import { createProviders } from '../../src/main.js';
import { type RbacRule, requiredProviderRules, ruleKeys } from './kubernetes-rbac.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = join(root, 'manifests/kubernetes');
const NAME_LABEL = { 'app.kubernetes.io/name': 'keycard' };

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (typeof value === 'object' && value !== null ? (value as Obj) : {});
const list = (value: unknown): Obj[] => (Array.isArray(value) ? value.map(obj) : []);

const files = readdirSync(dir).filter((name) => name.endsWith('.yaml'));
const documents = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => ({ file, doc: doc as { errors: unknown[]; toJS(): unknown } })),
);
const kustomization = obj(documents.find((d) => d.file === 'kustomization.yaml')?.doc.toJS());
const generators = list(kustomization.configMapGenerator);
const generatedFiles = generators.flatMap((g) => (Array.isArray(g.files) ? (g.files as string[]) : []));
const resources = documents
  .filter((d) => d.file !== 'kustomization.yaml' && !generatedFiles.includes(d.file))
  .map((d) => obj(d.doc.toJS()));
const meta = (resource: Obj) => obj(resource.metadata);
const ofKind = (kind: string) => resources.filter((r) => r.kind === kind);
const one = (kind: string) => {
  const found = ofKind(kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

const deployment = one('Deployment');
const spec = obj(deployment.spec);
const pod = obj(obj(spec.template).spec);
const container = list(pod.containers)[0]!;
const env = Object.fromEntries(list(container.env).map((e) => [String(e.name), String(e.value)]));
const containerPort = list(container.ports)[0]!;
const policyGenerator = generators.find((g) => g.name === 'keycard-policy')!;
const policyFile = (policyGenerator.files as string[])[0]!;
const policyText = readFileSync(join(dir, policyFile), 'utf8');

describe('Kubernetes manifests', () => {
  it('parse, and the kustomization lists exactly the files present', () => {
    expect(documents.flatMap((d) => d.doc.errors)).toEqual([]);
    const listed = [...((kustomization.resources as string[]) ?? []), ...generatedFiles, 'kustomization.yaml'];
    expect([...listed].sort()).toEqual([...files].sort());
    expect(new Set(resources.map((r) => r.kind))).toEqual(
      new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'RoleBinding', 'Secret', 'Deployment', 'Service', 'PodDisruptionBudget']),
    );
  });

  it('label every object alike and put Keycard’s own in its namespace', () => {
    const namespace = String(meta(one('Namespace')).name);
    for (const resource of resources) expect(meta(resource).labels, `${resource.kind} labels`).toMatchObject(NAME_LABEL);
    for (const resource of resources.filter((r) => !['Namespace', 'ClusterRole', 'RoleBinding'].includes(String(r.kind)))) {
      expect(meta(resource).namespace, String(resource.kind)).toBe(namespace);
    }
    expect(policyGenerator.namespace).toBe(namespace);
    expect(obj(obj(policyGenerator.options).labels)).toMatchObject(NAME_LABEL);
  });

  it('select the Deployment’s pods from the Service and the PodDisruptionBudget', () => {
    const selector = obj(obj(spec.selector).matchLabels);
    expect(selector).toEqual(NAME_LABEL);
    expect(obj(obj(spec.template).metadata).labels).toMatchObject(selector);
    expect(obj(one('Service').spec).selector).toEqual(selector);
    const pdb = obj(one('PodDisruptionBudget').spec);
    expect(obj(pdb.selector).matchLabels).toEqual(selector);
    expect(pdb.minAvailable).toBe(1);
    expect(spec.replicas).toBe(2);
  });

  it('route the Service, the PORT variable and every probe to the container port', () => {
    const port = containerPort.containerPort;
    expect(env.PORT).toBe(String(port));
    const resolves = (target: unknown) => target === port || target === containerPort.name;
    const servicePort = list(obj(one('Service').spec).ports)[0]!;
    expect(resolves(servicePort.targetPort)).toBe(true);
    const probe = (name: string) => obj(obj(container[name]).httpGet);
    expect(probe('livenessProbe').path).toBe('/healthz');
    expect(probe('startupProbe').path).toBe('/healthz');
    expect(probe('readinessProbe').path).toBe('/readyz');
    for (const name of ['livenessProbe', 'startupProbe', 'readinessProbe']) expect(resolves(probe(name).port), name).toBe(true);
  });

  it('run as non-root on a read-only root filesystem without capabilities, with requests and limits', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(obj(pod.securityContext).runAsUser).not.toBe(0);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    const limits = obj(container.resources);
    for (const kind of ['requests', 'limits']) expect(Object.keys(obj(limits[kind])).sort(), kind).toEqual(['cpu', 'memory']);
    const tmp = list(container.volumeMounts).find((m) => m.mountPath === '/tmp');
    expect(list(pod.volumes).find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('give the pod longer to stop than Keycard’s graceful shutdown takes', () => {
    const source = readFileSync(join(root, 'src/cli/run-server.ts'), 'utf8');
    const graceMs = Number(/shutdownGraceMs \?\? ([\d_]+)/.exec(source)?.[1]?.replaceAll('_', ''));
    expect(graceMs).toBeGreaterThan(0);
    const preStop = (obj(obj(obj(container.lifecycle).preStop).exec).command as string[] | undefined) ?? [];
    const pauseSeconds = preStop[0] === 'sleep' ? Number(preStop[1]) : 0;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(graceMs / 1000 + pauseSeconds);
  });

  it('wire the ServiceAccount, the Secret and the policy ConfigMap into the pod', () => {
    expect(pod.serviceAccountName).toBe(meta(one('ServiceAccount')).name);
    expect(list(container.envFrom).map((e) => obj(e.secretRef).name)).toEqual([meta(one('Secret')).name]);
    const volume = list(pod.volumes).find((v) => obj(v.configMap).name === policyGenerator.name);
    expect(volume).toBeDefined();
    const item = list(obj(volume!.configMap).items)[0]!;
    expect(item.key).toBe(policyFile);
    const mount = list(container.volumeMounts).find((m) => m.name === volume!.name);
    expect(env.KEYCARD_POLICY).toBe(`${mount!.mountPath}/${item.path}`);
    expect(mount!.readOnly).toBe(true);
  });

  it('hold a policy that passes the policy check with the real providers', () => {
    const result = parsePolicyText(policyText, policyFile, createProviders().schemas());
    expect(result.ok ? [] : result.errors).toEqual([]);
    // Nothing to warn about either: every group member has someone else to approve them, and a fallback group.
    expect(result.ok && result.warnings).toEqual([]);
  });

  it('grant the Kubernetes provider exactly what the policy’s levels need, only in their namespaces', () => {
    const result = parsePolicyText(policyText, policyFile, createProviders().schemas());
    if (!result.ok) throw new Error('policy invalid');
    const needed = requiredProviderRules(result.policy);
    const clusterRole = one('ClusterRole');
    expect(ruleKeys(list(clusterRole.rules) as unknown as RbacRule[])).toEqual(ruleKeys(needed.rules));
    const bindings = ofKind('RoleBinding');
    expect(bindings.map((b) => meta(b).namespace).sort()).toEqual(needed.namespaces);
    const serviceAccount = meta(one('ServiceAccount'));
    for (const binding of bindings) {
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: meta(clusterRole).name });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: serviceAccount.name, namespace: serviceAccount.namespace }]);
    }
    expect(needed.clusterWide).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  it('serve /metrics on its own token-protected pod port, never through the Service', () => {
    const ports = list(container.ports);
    const metrics = ports.find((p) => p.name === 'metrics')!;
    const env = Object.fromEntries(list(container.env).map((e) => [e.name, e.value]));
    expect(env.KEYCARD_METRICS_PORT).toBe(String(metrics.containerPort));
    expect(env.KEYCARD_METRICS_HOST).toBe('0.0.0.0');
    expect(Object.keys(obj(one('Secret').stringData))).toContain('KEYCARD_METRICS_TOKEN');
    // The PodMonitor scrapes that port with that token (it is not in the kustomization: it needs the Operator's CRD).
    const monitor = obj(parse(readFileSync(join(dir, 'prometheus/podmonitor.yaml'), 'utf8')));
    const endpoint = obj(list(obj(monitor.spec).podMetricsEndpoints)[0]);
    expect(endpoint.port).toBe('metrics');
    expect(obj(obj(endpoint.authorization).credentials)).toEqual({ name: meta(one('Secret')).name, key: 'KEYCARD_METRICS_TOKEN' });
    const servicePorts = list(obj(one('Service').spec).ports).map((p) => p.targetPort);
    expect(servicePorts).not.toContain('metrics');
    expect(servicePorts).not.toContain(metrics.containerPort);
  });

  it('ship a Secret template with every variable empty, covering the chat platforms, the database and the policy’s env: references', () => {
    const secret = one('Secret');
    expect(secret.data).toBeUndefined();
    const values = obj(secret.stringData);
    expect(Object.entries(values).filter(([, value]) => value !== '')).toEqual([]);
    const required = [
      'DATABASE_URL',
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SLACK_APP_TOKEN',
      'MICROSOFT_APP_ID',
      'MICROSOFT_APP_PASSWORD',
    ];
    const policyRefs = [...policyText.replace(/^\s*#.*$/gm, '').matchAll(/env:([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
    expect(Object.keys(values)).toEqual(expect.arrayContaining([...required, ...policyRefs]));
    const documented = readFileSync(join(root, '.env.example'), 'utf8');
    for (const key of Object.keys(values)) expect(documented, `${key} in .env.example`).toContain(key);
  });

  it.skipIf(!hasKubectl())('build with kubectl kustomize, the policy ConfigMap renamed by its hash everywhere', () => {
    const built = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    const objects = parseAllDocuments(built).map((d) => obj(d.toJS()));
    const configMap = objects.find((o) => o.kind === 'ConfigMap')!;
    expect(String(meta(configMap).name)).toMatch(/^keycard-policy-[a-z0-9]{10}$/);
    expect(obj(configMap.data)[policyFile]).toBe(policyText);
    const builtPod = obj(obj(obj(objects.find((o) => o.kind === 'Deployment')!.spec).template).spec);
    expect(list(builtPod.volumes).map((v) => obj(v.configMap).name)).toContain(meta(configMap).name);
    expect(list(builtPod.containers)[0]!.image).toMatch(/^[^:]+:[^:]+$/);
  });
});

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
