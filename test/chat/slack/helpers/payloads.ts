/** Request bodies shaped like Slack's (slash commands, block_actions, view_submission, events). */
let counter = 0;
const next = () => {
  counter += 1;
  return counter;
};

const team = { id: 'T1', domain: 'acme' };

export function responseUrl(id: number): string {
  return `https://hooks.slack.com/actions/T1/${id}/r${id}`;
}

export function slashCommand(userId: string, text: string, channelId = 'C0GENERAL', channelName = 'general'): string {
  const n = next();
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T1',
    team_domain: 'acme',
    channel_id: channelId,
    channel_name: channelName,
    user_id: userId,
    user_name: userId.toLowerCase(),
    command: '/access',
    text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: `https://hooks.slack.com/commands/T1/${n}/c${n}`,
    trigger_id: `trigger.${n}`,
  }).toString();
}

export type Where = { channel: string; ts: string } | { home: true };

/** A button click; `where` is the message it was on (card or DM) or the App Home; `message` is that message's content. */
export function blockAction(
  userId: string,
  actionId: string,
  value: string,
  where: Where,
  message: { text: string; blocks?: unknown[] } = { text: 'card' },
): string {
  const n = next();
  const action = {
    type: 'button',
    action_id: actionId,
    block_id: `b${n}`,
    value,
    action_ts: `1764000${n}.000001`,
    text: { type: 'plain_text', text: 'x' },
  };
  const base = {
    type: 'block_actions',
    team,
    user: { id: userId, username: userId.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: `trigger.${n}`,
    actions: [action],
  };
  const payload =
    'home' in where
      ? {
          ...base,
          container: { type: 'view', view_id: 'VHOME' },
          view: { id: 'VHOME', type: 'home', team_id: 'T1', blocks: [], state: { values: {} } },
        }
      : {
          ...base,
          container: { type: 'message', message_ts: where.ts, channel_id: where.channel, is_ephemeral: false },
          channel: { id: where.channel, name: 'channel' },
          message: { type: 'message', ts: where.ts, ...message },
          response_url: responseUrl(n),
        };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A modal submission; `values` is Slack's view.state.values. */
export function viewSubmission(
  userId: string,
  callbackId: string,
  values: Record<string, Record<string, unknown>>,
  privateMetadata = '',
): string {
  const n = next();
  const payload = {
    type: 'view_submission',
    team,
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy',
    trigger_id: `trigger.${n}`,
    view: {
      id: `VMODAL${n}`,
      team_id: 'T1',
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      state: { values },
      hash: `h${n}`,
      blocks: [],
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export const text = (value: string) => ({ value: { type: 'plain_text_input', value } });
export const select = (value: string | null) => ({
  value: { type: 'static_select', selected_option: value === null ? null : { value, text: { type: 'plain_text', text: value } } },
});

export function homeOpened(userId: string): string {
  const n = next();
  return JSON.stringify({
    token: 'legacy',
    team_id: 'T1',
    api_app_id: 'A1',
    event: { type: 'app_home_opened', user: userId, channel: `D${userId}`, tab: 'home', event_ts: `1764000${n}.000002` },
    type: 'event_callback',
    event_id: `Ev${n}`,
    event_time: 1764000000 + n,
    authorizations: [{ enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
  });
}
