#!/usr/bin/env node
// Builds the Microsoft Teams app package (manifest.json + two icons, zipped) from manifests/teams.
// Usage: MICROSOFT_APP_ID=<bot app id> npm run teams:package [-- --out path/to/keycard-teams.zip]
// Reads .env in the current folder like Keycard does (the real environment wins). No dependencies:
// the zip is written with node:zlib.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'manifests', 'teams');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(message) {
  console.error(`teams:package: ${message}`);
  process.exit(1);
}

function readEnv() {
  const env = {};
  const file = join(process.cwd(), '.env');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
      const match = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
      if (match) env[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  return { ...env, ...process.env };
}

function outPath(args) {
  const i = args.indexOf('--out');
  if (i === -1) return join(root, 'dist', 'teams', 'keycard-teams.zip');
  if (!args[i + 1]) fail('--out needs a file path');
  return resolve(args[i + 1]);
}

/** Width and height from a PNG's IHDR, or undefined when it is not a PNG. */
function pngSize(bytes) {
  const signature = '89504e470d0a1a0a';
  if (bytes.subarray(0, 8).toString('hex') !== signature || bytes.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** The strictest limits Teams has published for these fields (see docs/teams.md). */
function check(manifest, icons) {
  const problems = [];
  const max = (value, limit, path) => {
    if (typeof value !== 'string' || value.length === 0) problems.push(`${path} is missing`);
    else if (value.length > limit) problems.push(`${path} is ${value.length} characters; at most ${limit}`);
  };
  max(manifest.name?.short, 30, 'name.short');
  max(manifest.name?.full, 100, 'name.full');
  max(manifest.description?.short, 80, 'description.short');
  max(manifest.description?.full, 4000, 'description.full');
  for (const [b, bot] of (manifest.bots ?? []).entries()) {
    const lists = bot.commandLists ?? [];
    if (lists.length > 3) problems.push(`bots[${b}].commandLists has ${lists.length} lists; at most 3`);
    for (const [l, list] of lists.entries()) {
      if ((list.commands ?? []).length > 10)
        problems.push(`bots[${b}].commandLists[${l}] has ${list.commands.length} commands; at most 10`);
      for (const [c, command] of (list.commands ?? []).entries()) {
        max(command.title, 32, `bots[${b}].commandLists[${l}].commands[${c}].title`);
        max(command.description, 128, `bots[${b}].commandLists[${l}].commands[${c}].description`);
      }
    }
  }
  for (const [name, size] of [
    ['color', 192],
    ['outline', 32],
  ]) {
    const found = pngSize(icons[name]);
    if (!found) problems.push(`${manifest.icons[name]} is not a PNG`);
    else if (found.width !== size || found.height !== size)
      problems.push(`${manifest.icons[name]} is ${found.width}x${found.height}; Teams wants ${size}x${size}`);
  }
  const left = JSON.stringify(manifest).match(/\{\{[A-Z_]+\}\}/g);
  if (left) problems.push(`placeholders left: ${[...new Set(left)].join(', ')}`);
  return problems;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip archive (deflate, no folders, fixed 1980-01-01 timestamps so the same input gives the same bytes). */
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const env = readEnv();
const appId = env.MICROSOFT_APP_ID;
if (!appId)
  fail('set MICROSOFT_APP_ID to the bot’s Microsoft App ID (Azure Bot → Configuration), e.g. MICROSOFT_APP_ID=… npm run teams:package');
if (!GUID.test(appId)) fail(`MICROSOFT_APP_ID must be a GUID like 00000000-0000-0000-0000-000000000000 (got "${appId}")`);
const website = env.KEYCARD_TEAMS_WEBSITE_URL ?? 'https://example.com/keycard';
const values = {
  MICROSOFT_APP_ID: appId,
  KEYCARD_TEAMS_DEVELOPER: env.KEYCARD_TEAMS_DEVELOPER ?? 'Keycard',
  KEYCARD_TEAMS_WEBSITE_URL: website,
  KEYCARD_TEAMS_PRIVACY_URL: env.KEYCARD_TEAMS_PRIVACY_URL ?? website,
  KEYCARD_TEAMS_TERMS_URL: env.KEYCARD_TEAMS_TERMS_URL ?? website,
};
if (!env.KEYCARD_TEAMS_WEBSITE_URL)
  console.warn('teams:package: KEYCARD_TEAMS_WEBSITE_URL is not set; the developer links point to a placeholder.');
const template = readFileSync(join(source, 'manifest.json'), 'utf8');
const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name) => JSON.stringify(values[name] ?? whole).slice(1, -1));
const manifest = JSON.parse(text);
const icons = { color: readFileSync(join(source, manifest.icons.color)), outline: readFileSync(join(source, manifest.icons.outline)) };
const problems = check(manifest, icons);
if (problems.length > 0) fail(`the manifest has problems:\n  - ${problems.join('\n  - ')}`);
const out = outPath(process.argv.slice(2));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  zip([
    ['manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)],
    [manifest.icons.color, icons.color],
    [manifest.icons.outline, icons.outline],
  ]),
);
console.log(`teams:package: wrote ${out} (bot ${appId}); upload it in Teams → Apps → Manage your apps → Upload an app.`);
