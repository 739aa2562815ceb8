import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listPolicyFields, renderPolicyReference } from '../../src/config/config-reference.js';
import { policyJsonSchema } from '../../src/config/policy-json-schema.js';
import { createProviders } from '../../src/main.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const docsPath = join(root, 'docs/configuration.md');
const START = '<!-- policy-reference:start -->';
const END = '<!-- policy-reference:end -->';

const fields = listPolicyFields(policyJsonSchema(createProviders().schemas()));

/** Variable names the configuration code reads: zod object keys in env.ts and `env.NAME` reads in chat-env.ts. */
function variablesReadByCode(): string[] {
  const env = readFileSync(join(root, 'src/config/env.ts'), 'utf8');
  const schema = env.slice(env.indexOf('const coreEnvSchema'), env.indexOf('\n});', env.indexOf('const coreEnvSchema')));
  const keys = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+): z/gm)].map((m) => m[1]!);
  const chat = readFileSync(join(root, 'src/config/chat-env.ts'), 'utf8');
  const reads = [...chat.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!);
  return [...new Set([...keys, ...reads])];
}

describe('docs/configuration.md', () => {
  const docs = readFileSync(docsPath, 'utf8');

  it('documents every environment variable of .env.example and of the configuration code', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const listed = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    const read = variablesReadByCode();
    expect(listed.length).toBeGreaterThan(10);
    expect(read).toEqual(expect.arrayContaining(['DATABASE_URL', 'PORT', 'SLACK_BOT_TOKEN', 'MICROSOFT_APP_ID']));
    const missing = [...new Set([...listed, ...read])].filter((name) => !docs.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('gives every policy field a type and a description', () => {
    expect(fields.length).toBeGreaterThan(50);
    const undocumented = fields.filter((f) => !f.description.trim()).map((f) => f.path);
    // Fix by adding .describe() to the schema, or a line in src/config/policy-field-notes.ts.
    expect(undocumented).toEqual([]);
    expect(fields.map((f) => f.path)).toEqual(expect.arrayContaining(['tiers.<tier>.approvals', 'resources.<resource>.maxDuration']));
  });

  it('holds the policy field tables exactly as the schema generates them', () => {
    const generated = renderPolicyReference(fields);
    const start = docs.indexOf(START);
    const end = docs.indexOf(END);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const current = docs.slice(start + START.length, end).trim();
    if (process.env.KEYCARD_UPDATE_DOCS === '1' && current !== generated.trim()) {
      writeFileSync(docsPath, `${docs.slice(0, start + START.length)}\n${generated}${docs.slice(end)}`);
      return;
    }
    // On a mismatch: KEYCARD_UPDATE_DOCS=1 npx vitest run test/ops/config-docs.test.ts
    expect(current).toBe(generated.trim());
    for (const field of fields) expect(docs).toContain(`\`${field.path}\``);
  });
});
