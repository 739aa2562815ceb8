import { it } from 'vitest';
import { handleCommand } from '../src/core/commands/handle.js';
import { basePolicyInput, makePolicy } from '../test/fixtures/policy.js';
import { createHarness } from '../test/helpers/harness.js';
const LOGS = ['logs-1', 'logs-2', 'logs-3', 'logs-4'];
const policy = makePolicy({
  resources: { ...basePolicyInput.resources, ...Object.fromEntries(LOGS.map((n) => [n, { provider: 'demo', sensitivity: 'low', levels: { read: {} }, maxDuration: '8h' }])) },
  risk: { factors: { firstAccess: 0, newResourceBurst: 0, velocity: 0, weakReason: 0 }, thresholds: { autoApproveCap: 2 } },
});
it('dbg', async () => {
  const h = await createHarness('pglite', { policy });
  for (const r of LOGS) {
    const out = await handleCommand(h.deps, { actor: 'mallory@example.com', text: `/access ${r} 30m read reading the error logs`, origin: { platform: 'slack' } });
    console.log(JSON.stringify(out.kind === 'request' ? [out.request.tier, out.request.status, out.request.score, out.request.factors.map((f) => f.id)] : out));
  }
  console.log(policy.risk.thresholds.autoApproveCap, policy.risk.thresholds.autoApproveWindow);
  await h.close();
});
