import type { types } from '@slack/bolt';
import type { Policy } from '../../../core/policy/schema.js';
import { DENY_REASON_BLOCK, INPUT_ACTION, REQUEST_FIELD, VIEW } from '../action-ids.js';
import { type Block, context, escapeText, plain, section } from './block-kit.js';

/** The command parser's limit on reasons (src/core/commands/parse.ts); the modal enforces the same. */
export const MAX_REASON = 1000;
const MAX_OPTIONS = 100;
const OPTION_TEXT = 75;

export interface RequestModalPrefill {
  resource?: string;
  duration?: string;
  level?: string;
  reason?: string;
  incident?: string;
  /** Why the typed command did not parse, shown above the form. */
  problem?: string;
}

function option(text: string, value: string): types.PlainTextOption {
  return { text: plain(text, OPTION_TEXT), value };
}

function textInput(
  blockId: string,
  label: string,
  options: { optional?: boolean; multiline?: boolean; initial?: string; placeholder?: string; hint?: string; max?: number },
): types.InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: options.optional ?? false,
    label: plain(label, 2000),
    ...(options.hint ? { hint: plain(options.hint, 2000) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION,
      multiline: options.multiline ?? false,
      ...(options.max ? { max_length: options.max } : {}),
      ...(options.initial ? { initial_value: options.initial } : {}),
      ...(options.placeholder ? { placeholder: plain(options.placeholder, 150) } : {}),
    },
  };
}

/** The request form opened by a bare or unparseable `/access`, prefilled with whatever could be understood. */
export function renderRequestModal(policy: Policy, prefill: RequestModalPrefill, privateMetadata: string): types.ModalView {
  const resources = Object.entries(policy.resources)
    .slice(0, MAX_OPTIONS)
    .map(([name, r]) => option(r.description ? `${name} · ${r.description}` : name, name));
  const levels = [...new Set(Object.values(policy.resources).flatMap((r) => Object.keys(r.levels)))]
    .slice(0, MAX_OPTIONS)
    .map((l) => option(l, l));
  const initialResource = resources.find((o) => o.value === prefill.resource);
  const initialLevel = levels.find((o) => o.value === prefill.level);
  const blocks: Block[] = [];
  if (prefill.problem) blocks.push(section(`:warning: ${escapeText(prefill.problem)}`));
  blocks.push(
    {
      type: 'input',
      block_id: REQUEST_FIELD.resource,
      label: plain('Resource', 2000),
      element: {
        type: 'static_select',
        action_id: INPUT_ACTION,
        placeholder: plain('What do you need access to?', 150),
        options: resources,
        ...(initialResource ? { initial_option: initialResource } : {}),
      },
    },
    textInput(REQUEST_FIELD.duration, 'Duration', {
      optional: true,
      ...(prefill.duration ? { initial: prefill.duration } : {}),
      placeholder: 'e.g. 30m, 1h30m, 2h',
      hint: 'Leave empty for the resource’s default.',
      max: 12,
    }),
    {
      type: 'input',
      block_id: REQUEST_FIELD.level,
      optional: true,
      label: plain('Level', 2000),
      hint: plain('Leave empty for the resource’s default level.', 2000),
      element: {
        type: 'static_select',
        action_id: INPUT_ACTION,
        placeholder: plain('read, write, admin…', 150),
        options: levels,
        ...(initialLevel ? { initial_option: initialLevel } : {}),
      },
    },
    textInput(REQUEST_FIELD.reason, 'Reason', {
      multiline: true,
      max: MAX_REASON,
      ...(prefill.reason ? { initial: prefill.reason.slice(0, MAX_REASON) } : {}),
      placeholder: 'What are you fixing? A ticket or incident key lowers the risk score.',
    }),
    textInput(REQUEST_FIELD.incident, 'Incident', {
      optional: true,
      ...(prefill.incident ? { initial: prefill.incident } : {}),
      placeholder: 'INC-4211',
      max: 64,
    }),
  );
  const breakGlassTiers = Object.entries(policy.tiers)
    .filter(([, t]) => t.breakGlass)
    .map(([name]) => name);
  if (breakGlassTiers.length > 0) {
    blocks.push({
      type: 'input',
      block_id: REQUEST_FIELD.options,
      optional: true,
      label: plain('Emergency', 2000),
      element: {
        type: 'checkboxes',
        action_id: INPUT_ACTION,
        options: [
          {
            text: plain('Break-glass: grant at once, reviewed afterwards', OPTION_TEXT),
            value: 'break_glass',
            description: plain(`Allowed for ${breakGlassTiers.join(', ')} risk; security is alerted.`, OPTION_TEXT),
          },
        ],
      },
    });
  }
  blocks.push(context('Keycard scores the risk of your request and routes it to the right approvers.'));
  return {
    type: 'modal',
    callback_id: VIEW.requestModal,
    title: plain('Request access', 24),
    submit: plain('Request', 24),
    close: plain('Cancel', 24),
    private_metadata: privateMetadata,
    blocks,
  };
}

/** Asks the approver for the reason the requester will see. */
export function renderDenyModal(number: number, privateMetadata: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.denyModal,
    title: plain(`Deny KC-${number}`, 24),
    submit: plain('Deny', 24),
    close: plain('Cancel', 24),
    private_metadata: privateMetadata,
    blocks: [
      textInput(DENY_REASON_BLOCK, 'Reason', {
        multiline: true,
        max: MAX_REASON,
        placeholder: 'Tell the requester why, and what to change (they will see this).',
      }),
    ],
  };
}
