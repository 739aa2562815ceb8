import type { types } from '@slack/bolt';
import { formatDuration } from '../../../core/duration.js';
import type { Overview } from '../../../core/lifecycle/queries.js';
import { formatClock, statusLine } from '../../../core/views/format.js';
import type { RequestView } from '../../../core/views/request-view.js';
import { ACTION } from '../action-ids.js';
import { actions, type Block, button, capBlocks, context, escapeText, header, LIMITS, section, truncate } from './block-kit.js';

const MAX_MINE = 20;
const MAX_WAITING = 15;
const MAX_REVIEW = 10;

function mineBlock(view: RequestView, now: Date): Block {
  const block: types.SectionBlock = section(
    escapeText(`${view.ref} · ${view.resource} (${view.level}) · ${statusLine(view, now)}`).replace(view.ref, `*${view.ref}*`),
  );
  if (view.status === 'active' && view.kind === 'access') {
    block.accessory = button(ACTION.release, 'Release', String(view.number), undefined, {
      title: { type: 'plain_text', text: `Release ${view.ref}?` },
      text: { type: 'plain_text', text: `Your access to ${view.resource} ends now.` },
      confirm: { type: 'plain_text', text: 'Release' },
      deny: { type: 'plain_text', text: 'Keep it' },
    });
  }
  return block;
}

function waitingBlocks(view: RequestView): Block[] {
  const line = `*${view.ref}* ${escapeText(`${view.requester} → ${view.resource} (${view.level}) for ${formatDuration(view.durationMs)} · risk ${view.score} (${view.tier})`)}`;
  return [
    section(`${line}\n>${escapeText(truncate(view.reason, 500))}`),
    actions(`kc_home_wait_${view.number}`, [
      button(ACTION.approve, 'Approve', String(view.number), 'primary'),
      button(ACTION.deny, 'Deny', String(view.number), 'danger'),
    ]),
  ];
}

function more(count: number, shown: number): Block[] {
  return count > shown ? [context(`… and ${count - shown} more: /access list`)] : [];
}

/** The App Home tab: my grants and requests, what waits for my approval, and break-glass grants to review. */
export function renderHome(overview: Overview, now: Date, timezone: string, notice?: string): types.HomeView {
  const blocks: Block[] = [header('Keycard · temporary production access')];
  if (notice) blocks.push(section(escapeText(notice)));
  blocks.push(actions('kc_home_actions', [button(ACTION.openRequestModal, 'Request access', 'new', 'primary')]));
  blocks.push({ type: 'divider' }, section('*Your grants and requests*'));
  if (overview.mine.length === 0) blocks.push(context('You have no open requests or grants.'));
  blocks.push(...overview.mine.slice(0, MAX_MINE).map((v) => mineBlock(v, now)), ...more(overview.mine.length, MAX_MINE));
  if (overview.waitingForMe.length > 0) {
    blocks.push({ type: 'divider' }, section('*Waiting for your approval*'));
    blocks.push(...overview.waitingForMe.slice(0, MAX_WAITING).flatMap(waitingBlocks), ...more(overview.waitingForMe.length, MAX_WAITING));
  }
  if (overview.toReview.length > 0) {
    blocks.push({ type: 'divider' }, section('*Break-glass grants to review*'));
    for (const view of overview.toReview.slice(0, MAX_REVIEW)) {
      blocks.push(
        section(
          escapeText(`${view.ref} ${view.requester} → ${view.resource} (${view.level}) · review with /access review ${view.ref} [comment]`),
        ),
      );
    }
    blocks.push(...more(overview.toReview.length, MAX_REVIEW));
  }
  blocks.push(context(`Updated ${formatClock(now, timezone)}. Type /access help for every command.`));
  return { type: 'home', blocks: capBlocks(blocks, LIMITS.viewBlocks) };
}

/** A Home tab that only explains something (no email on the profile, Keycard not ready). */
export function renderHomeMessage(text: string): types.HomeView {
  return { type: 'home', blocks: [header('Keycard · temporary production access'), section(escapeText(text))] };
}
