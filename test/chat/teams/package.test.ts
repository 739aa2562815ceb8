import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const APP_ID = '00000000-0000-4000-8000-00000000b07a';
const SCRIPT = fileURLToPath(new URL('../../../scripts/teams-package.mjs', import.meta.url));

/** Reads a zip's entries through its central directory (enough for the archives the script writes). */
function unzip(bytes: Buffer): Map<string, Buffer> {
  const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i += 1) {
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const local = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    files.set(name, inflateRawSync(bytes.subarray(dataAt, dataAt + size)));
    at += 46 + nameLength;
  }
  return files;
}

const pngSize = (png: Buffer | undefined) => (png ? [png.readUInt32BE(16), png.readUInt32BE(20)] : undefined);

describe('npm run teams:package', () => {
  it('builds an upload zip with the app id filled in, within Teams’ strictest limits', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'keycard-teams-')), 'app.zip');
    const env = { ...process.env, MICROSOFT_APP_ID: APP_ID, KEYCARD_TEAMS_WEBSITE_URL: 'https://keycard.example.org/' };
    await run(process.execPath, [SCRIPT, '--out', out], { env, cwd: tmpdir() });
    const files = unzip(readFileSync(out));
    expect([...files.keys()]).toEqual(['manifest.json', 'color.png', 'outline.png']);
    const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
    expect(manifest).toMatchObject({ id: APP_ID, bots: [{ botId: APP_ID, scopes: ['personal', 'team', 'groupChat'] }] });
    expect(manifest.developer.privacyUrl).toBe('https://keycard.example.org/');
    const commands: Array<{ title: string; description: string }> = manifest.bots[0].commandLists[0].commands;
    expect(commands.length).toBeLessThanOrEqual(10);
    expect(commands.every((c) => c.title.length <= 32 && c.description.length <= 128)).toBe(true);
    expect(pngSize(files.get('color.png'))).toEqual([192, 192]);
    expect(pngSize(files.get('outline.png'))).toEqual([32, 32]);
  });

  it('refuses to build without a valid app id', async () => {
    const env = { ...process.env, MICROSOFT_APP_ID: 'my-bot' };
    await expect(run(process.execPath, [SCRIPT, '--out', join(tmpdir(), 'x.zip')], { env, cwd: tmpdir() })).rejects.toMatchObject({
      stderr: expect.stringContaining('MICROSOFT_APP_ID must be a GUID'),
    });
  });
});
