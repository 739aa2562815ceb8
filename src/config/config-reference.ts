import { POLICY_FIELD_NOTES } from './policy-field-notes.js';

type Json = Record<string, unknown>;

/** One documented policy field, as the JSON Schema describes it. */
export interface PolicyField {
  /** Dotted path; `<resource>`, `<level>`, `<tier>`, … stand for names the user chooses. */
  path: string;
  type: string;
  required: boolean;
  /** Rendered default, when the schema has a simple one. */
  default?: string;
  description: string;
  /** Set for settings that belong to one provider kind (`config:` and level settings). */
  provider?: string;
}

const DURATION_PATTERN = '^(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?$';
const NAMED_PATTERNS: Record<string, string> = {
  [DURATION_PATTERN]: 'duration',
  '^[^\\s@]+@[^\\s@]+$': 'email',
  '^[a-z][a-z0-9-]{0,62}$': 'name',
  '^([01]\\d|2[0-3]):[0-5]\\d$': 'time (HH:MM)',
  '^env:[A-Z_][A-Z0-9_]*$': 'env:VARIABLE',
};

const asJson = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

/** `{ anyOf: [X, null] }` (a level written as `read:`) documents as X. */
function withoutNull(node: Json): Json {
  const options = Array.isArray(node.anyOf) ? node.anyOf.map(asJson).filter((o): o is Json => o !== undefined) : [];
  const nonNull = options.filter((o) => o.type !== 'null');
  return nonNull.length === 1 && options.length === 2
    ? { ...nonNull[0], ...(node.description ? { description: node.description } : {}) }
    : node;
}

function typeOf(node: Json): string {
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (Array.isArray(node.enum)) return node.enum.map((v) => String(v)).join(' \\| ');
  if (node.format === 'date-time') return 'date-time (ISO 8601)';
  if (node.format === 'uri') return 'URL';
  if (typeof node.pattern === 'string' && NAMED_PATTERNS[node.pattern]) return NAMED_PATTERNS[node.pattern]!;
  if (node.type === 'integer' || node.type === 'number') {
    // zod writes ±MAX_SAFE_INTEGER for "no bound"; only real bounds are worth showing.
    const bound = (value: unknown) => (typeof value === 'number' && Math.abs(value) < Number.MAX_SAFE_INTEGER ? value : undefined);
    const [min, max] = [bound(node.minimum), bound(node.maximum)];
    const range =
      min !== undefined && max !== undefined
        ? ` (${min}–${max})`
        : min !== undefined
          ? ` (≥ ${min})`
          : max !== undefined
            ? ` (≤ ${max})`
            : '';
    return `${node.type}${range}`;
  }
  if (node.type === 'array') return `list of ${typeOf(withoutNull(asJson(node.items) ?? {}))}`;
  if (node.type === 'object') return asJson(node.additionalProperties) && !node.properties ? 'map' : 'object';
  return typeof node.type === 'string' ? node.type : 'any';
}

function renderDefault(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return undefined;
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (value === '') return '""';
  return Array.isArray(value) ? `[${value.map((v) => String(v)).join(', ')}]` : String(value);
}

/** `resources` → `<resource>`: the placeholder for a name the user picks under a map. */
function placeholder(path: string, node: Json = {}): string {
  const keys = asJson(node.propertyNames);
  if (keys?.format === 'email' || (typeof keys?.pattern === 'string' && NAMED_PATTERNS[keys.pattern] === 'email')) return '<email>';
  const key = path.split('.').at(-1) ?? 'name';
  return `<${key.replace(/<|>/g, '').replace(/ies$/, 'y').replace(/s$/, '') || 'name'}>`;
}

/** Sibling properties with identical schemas (the four tiers) are documented once. */
function uniformChildren(properties: Json): Json | undefined {
  const schemas = Object.values(properties).map((v) => JSON.stringify(v));
  return schemas.length > 1 && schemas.every((s) => s === schemas[0]) ? asJson(Object.values(properties)[0]) : undefined;
}

function walk(raw: Json, path: string, required: boolean, out: PolicyField[], provider?: string, note = ''): void {
  const node = withoutNull(raw);
  const base = POLICY_FIELD_NOTES[path] ?? note;
  out.push({
    path,
    type: typeOf(node),
    required,
    ...(renderDefault(node.default) !== undefined ? { default: renderDefault(node.default) } : {}),
    description: typeof node.description === 'string' ? node.description : base,
    ...(provider ? { provider } : {}),
  });
  const properties = asJson(node.properties);
  const requiredKeys = Array.isArray(node.required) ? node.required : [];
  if (properties) {
    const uniform = uniformChildren(properties);
    const names = Object.keys(properties);
    if (uniform) walk(uniform, `${path}.${placeholder(path)}`, true, out, provider, `Each of: ${names.join(', ')}`);
    else
      for (const [key, child] of Object.entries(properties))
        walk(asJson(child) ?? {}, `${path}.${key}`, requiredKeys.includes(key), out, provider);
  }
  const values = asJson(node.additionalProperties);
  if (values && Object.keys(values).length > 0) walk(values, `${path}.${placeholder(path, node)}`, false, out, provider);
  const items = asJson(node.items);
  if (node.type === 'array' && items && asJson(items.properties)) {
    for (const [key, child] of Object.entries(asJson(items.properties) ?? {})) {
      walk(asJson(child) ?? {}, `${path}[].${key}`, Array.isArray(items.required) && items.required.includes(key), out, provider);
    }
  }
}

/** Each provider's `config:` and level settings, from the `allOf` branches policyJsonSchema adds. */
function providerFields(resource: Json, prefix: string, out: PolicyField[]): void {
  for (const branch of Array.isArray(resource.allOf) ? resource.allOf.map(asJson) : []) {
    const kind = asJson(asJson(asJson(branch?.if)?.properties)?.provider)?.const;
    const then = asJson(branch?.then);
    if (typeof kind !== 'string' || !then) continue;
    if (Array.isArray(then.required) && then.required.includes('connection')) {
      out.push({
        path: `${prefix}.connection`,
        type: 'env:VARIABLE',
        required: true,
        description: 'Required by this provider: the environment variable holding its connection secret',
        provider: kind,
      });
    }
    const config = asJson(asJson(then.properties)?.config);
    const level = asJson(asJson(asJson(then.properties)?.levels)?.additionalProperties);
    for (const [key, child] of Object.entries(asJson(config?.properties) ?? {})) {
      const required = Array.isArray(config?.required) && config.required.includes(key);
      walk(asJson(child) ?? {}, `${prefix}.config.${key}`, required, out, kind);
    }
    const levelNode = level ? withoutNull(level) : undefined;
    for (const [key, child] of Object.entries(asJson(levelNode?.properties) ?? {})) {
      const required = Array.isArray(levelNode?.required) && levelNode.required.includes(key);
      walk(asJson(child) ?? {}, `${prefix}.levels.<level>.${key}`, required, out, kind);
    }
  }
}

/** Every field of the policy file, from its JSON Schema (policyJsonSchema with the provider registry). */
export function listPolicyFields(schema: Json): PolicyField[] {
  const out: PolicyField[] = [];
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const [key, child] of Object.entries(asJson(schema.properties) ?? {})) walk(asJson(child) ?? {}, key, required.includes(key), out);
  const resource = asJson(asJson(asJson(schema.properties)?.resources)?.additionalProperties);
  if (resource) providerFields(resource, 'resources.<resource>', out);
  return out;
}

// A pipe ends a table cell even inside a code span, so every unescaped one is escaped.
const cell = (text: string) => text.replace(/(?<!\\)\|/g, '\\|').replace(/\n/g, ' ');

function table(fields: PolicyField[]): string[] {
  return [
    '| field | type | default | description |',
    '|---|---|---|---|',
    ...fields.map(
      (f) =>
        `| \`${f.path}\`${f.required ? ' (required)' : ''} | ${f.type} | ${f.default === undefined ? '' : `\`${cell(f.default)}\``} | ${cell(f.description)} |`,
    ),
  ];
}

/** Markdown tables: the policy's own fields, then one table per provider's settings. */
export function renderPolicyReference(fields: PolicyField[]): string {
  const lines = ['### Policy fields', '', ...table(fields.filter((f) => f.provider === undefined))];
  const providers = [...new Set(fields.flatMap((f) => (f.provider ? [f.provider] : [])))].sort();
  for (const provider of providers) {
    lines.push('', `### Provider \`${provider}\``, '', ...table(fields.filter((f) => f.provider === provider)));
  }
  return `${lines.join('\n')}\n`;
}
