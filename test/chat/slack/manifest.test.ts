import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (name: string) => parse(readFileSync(join(root, 'manifests', name), 'utf8')) as unknown;

/** The parts of Slack's manifest schema (slackapi/manifest-schema, 1.0.0) these manifests use, with its limits. */
const url = z
  .string()
  .regex(/^https:\/\//)
  .max(3000);
const manifestSchema = z
  .object({
    _metadata: z.object({ major_version: z.number().int(), minor_version: z.number().int() }).strict(),
    display_information: z
      .object({
        name: z.string().min(1).max(35),
        description: z.string().min(1).max(140),
        long_description: z.string().min(175).max(4000),
        background_color: z.string().regex(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/),
      })
      .strict(),
    features: z
      .object({
        app_home: z
          .object({ home_tab_enabled: z.boolean(), messages_tab_enabled: z.boolean(), messages_tab_read_only_enabled: z.boolean() })
          .strict(),
        bot_user: z.object({ display_name: z.string().min(1).max(80), always_online: z.boolean() }).strict(),
        slash_commands: z
          .array(
            z
              .object({
                command: z.string().regex(/^\//).min(2).max(32),
                url: url.optional(),
                description: z.string().min(1).max(2000),
                usage_hint: z.string().min(1).max(1000),
                should_escape: z.boolean(),
              })
              .strict(),
          )
          .min(1)
          .max(50),
      })
      .strict(),
    oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string().max(50)).max(255) }).strict() }).strict(),
    settings: z
      .object({
        event_subscriptions: z.object({ request_url: url.max(3500).optional(), bot_events: z.array(z.string().max(50)) }).strict(),
        interactivity: z.object({ is_enabled: z.boolean(), request_url: url.max(3500).optional() }).strict(),
        org_deploy_enabled: z.boolean(),
        socket_mode_enabled: z.boolean(),
        token_rotation_enabled: z.boolean(),
      })
      .strict(),
  })
  .strict();

// No channels:history: Keycard never reads messages, it only finds incident channels by name.
const SCOPES = ['commands', 'chat:write', 'im:write', 'users:read', 'users:read.email', 'channels:read', 'groups:read'];

describe('Slack app manifests', () => {
  it('HTTP mode: one request URL for the command, interactivity and events', () => {
    const manifest = manifestSchema.parse(read('slack-app.yaml'));
    const urls = [
      manifest.features.slash_commands[0]!.url,
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
    ];
    expect(urls).toEqual(Array(3).fill('https://YOUR-HOST/slack/events'));
    expect(manifest.features.slash_commands[0]!.command).toBe('/access');
    expect(manifest.oauth_config.scopes.bot).toEqual(SCOPES);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: true,
    });
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it('Socket Mode: no URLs, same scopes and events', () => {
    const manifest = manifestSchema.parse(read('slack-app.socket-mode.yaml'));
    expect(JSON.stringify(manifest)).not.toContain('YOUR-HOST');
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot).toEqual(SCOPES);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
  });
});
