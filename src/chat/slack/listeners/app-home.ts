import type { App } from '@slack/bolt';
import { overview } from '../../../core/lifecycle/queries.js';
import { renderHome, renderHomeMessage } from '../render/home.js';
import { describeSlackError } from '../slack-errors.js';
import type { ListenerContext } from './context.js';

/** Renders and publishes one person's App Home (views.publish). */
export async function publishHome(ctx: ListenerContext, userId: string, notice?: string): Promise<void> {
  const core = ctx.core();
  const identity = await ctx.identity.emailOf(userId);
  const view = identity.ok
    ? renderHome(await overview(core, identity.email), core.clock.now(), core.policy().timezone, notice)
    : renderHomeMessage(identity.message);
  try {
    await ctx.interactive.views.publish({ user_id: userId, view });
  } catch (error) {
    ctx.log.warn({ userId, err: describeSlackError(error) }, 'could not publish the App Home');
  }
}

export function registerAppHome(app: App, ctx: ListenerContext): void {
  app.event('app_home_opened', async ({ event }) => {
    // The Messages tab opens this event too; only the Home tab has anything to draw.
    if (event.tab !== 'home') return;
    await publishHome(ctx, event.user);
  });
}
