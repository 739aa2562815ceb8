import { randomInt } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  GrantOutcome,
  Provider,
  ProviderGrantInput,
  ProviderListInput,
  ProviderRevokeInput,
  ProviderSchemas,
} from '../../src/core/ports/provider.js';

export interface ContractSetup {
  provider: Provider;
  /** A grant input without the parts the suite fills in per test. */
  input: Omit<ProviderGrantInput, 'grantId' | 'expiresAt' | 'now'>;
  /** Lists the same resource; the suite expects it to show only the grants it made. */
  listInput: ProviderListInput;
  teardown: () => Promise<void>;
}

export interface ContractOptions {
  schemas: ProviderSchemas;
  validLevelConfig: Record<string, unknown>;
  invalidLevelConfig: unknown;
  /** Whether grant must deliver a credential (default true). */
  expectsCredential?: boolean;
  /**
   * `moves`: extend moves the expiry at the target (list shows it, when the provider reports expiries).
   * `unsupported`: this kind of grant cannot be extended; extend must say so with code `unsupported`.
   */
  extend?: 'moves' | 'unsupported';
  /** Whether terminateSessions ends sessions (returns a count) or says `unsupported` (default unsupported). */
  sessions?: 'count' | 'unsupported';
}

/** A fresh Keycard-style grant id, random enough that parallel runs never collide. */
export function contractGrantId(): string {
  return `KC-${randomInt(100_000_000, 999_999_999)}`;
}

/** The shared contract every provider must meet; call it once per provider test file. */
export function runProviderContract(name: string, setup: () => Promise<ContractSetup>, options: ContractOptions): void {
  describe(`provider contract: ${name}`, () => {
    let ctx: ContractSetup;
    const granted = new Set<string>();
    const now = new Date();
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + 15 * 60_000);

    const grantInput = (grantId: string): ProviderGrantInput => ({ ...ctx.input, grantId, expiresAt, now });
    const revokeInput = (grantId: string, ref: Record<string, unknown> | null): ProviderRevokeInput => ({
      grantId,
      requester: ctx.input.requester,
      resource: ctx.input.resource,
      level: ctx.input.level,
      levelConfig: ctx.input.levelConfig,
      resourceConfig: ctx.input.resourceConfig,
      connection: ctx.input.connection,
      ref,
      now: new Date(),
    });
    const grant = async (grantId: string): Promise<GrantOutcome> => {
      granted.add(grantId);
      return ctx.provider.grant(grantInput(grantId));
    };
    const listedIds = async () => (await ctx.provider.list(ctx.listInput)).map((g) => g.grantId).sort();

    beforeAll(async () => {
      ctx = await setup();
    });
    afterEach(async () => {
      for (const grantId of granted) await ctx.provider.revoke(revokeInput(grantId, null)).catch(() => undefined);
      granted.clear();
    });
    afterAll(async () => {
      // close is required of every provider (a no-op where nothing is held open) and safe to call twice.
      if (ctx) await expect(ctx.provider.close()).resolves.toBeUndefined();
      await ctx?.teardown();
    });

    it('grants, lists exactly that grant, revokes, and revokes again idempotently', async () => {
      const grantId = contractGrantId();
      const outcome = await grant(grantId);
      if (options.expectsCredential ?? true) expect(outcome.credential?.secret).toBeTruthy();

      const listed = await ctx.provider.list(ctx.listInput);
      expect(listed.map((g) => g.grantId)).toEqual([grantId]);
      const entry = listed[0]!;
      if (entry.expiresAt) expect(Math.abs(entry.expiresAt.getTime() - expiresAt.getTime())).toBeLessThan(1000);
      if (ctx.provider.verifyRevoked) expect(await ctx.provider.verifyRevoked(revokeInput(grantId, outcome.ref))).toBe(false);

      await ctx.provider.revoke(revokeInput(grantId, outcome.ref));
      expect(await listedIds()).toEqual([]);
      await ctx.provider.revoke(revokeInput(grantId, outcome.ref));
      if (ctx.provider.verifyRevoked) expect(await ctx.provider.verifyRevoked(revokeInput(grantId, outcome.ref))).toBe(true);
    });

    it('keeps the secret out of the ref, the summary and the fields', async () => {
      const outcome = await grant(contractGrantId());
      const secret = outcome.credential?.secret;
      if (!secret) return;
      expect(JSON.stringify(outcome.ref)).not.toContain(secret);
      expect(outcome.credential?.summary).not.toContain(secret);
      expect(JSON.stringify(outcome.credential?.fields ?? {})).not.toContain(secret);
    });

    it('labels grants so the grantId is recoverable from list, with the ref it handed out', async () => {
      const first = contractGrantId();
      const second = contractGrantId();
      const a = await grant(first);
      await grant(second);
      const listed = await ctx.provider.list(ctx.listInput);
      expect(listed.map((g) => g.grantId).sort()).toEqual([first, second].sort());
      // Revoking with the ref list reports works just as with the ref grant returned.
      const fromList = listed.find((g) => g.grantId === first)!;
      await ctx.provider.revoke(revokeInput(first, fromList.ref));
      expect(await listedIds()).toEqual([second]);
      expect(JSON.stringify(a.ref)).not.toContain(a.credential?.secret ?? '\u0000');
    });

    it('re-granting the same grantId (crash retry) leaves exactly one grant', async () => {
      const grantId = contractGrantId();
      await grant(grantId);
      const again = await grant(grantId);
      if (options.expectsCredential ?? true) expect(again.credential?.secret).toBeTruthy();
      expect(await listedIds()).toEqual([grantId]);
    });

    it('revokes with a lost ref (null) and treats a never-granted id as already gone', async () => {
      const grantId = contractGrantId();
      await grant(grantId);
      await ctx.provider.revoke(revokeInput(grantId, null));
      expect(await listedIds()).toEqual([]);
      await expect(ctx.provider.revoke(revokeInput(contractGrantId(), null))).resolves.toBeUndefined();
    });

    it('extends a live grant at the target, or refuses clearly; never extends one that is gone', async () => {
      const grantId = contractGrantId();
      const outcome = await grant(grantId);
      const later = new Date(expiresAt.getTime() + 45 * 60_000);
      const extend = (id: string, ref: Record<string, unknown> | null) =>
        ctx.provider.extend({ ...revokeInput(id, ref), expiresAt: later });
      if ((options.extend ?? 'moves') === 'unsupported') {
        await expect(extend(grantId, outcome.ref)).rejects.toMatchObject({ code: 'unsupported', retryable: false });
        return;
      }
      await extend(grantId, outcome.ref);
      const entry = (await ctx.provider.list(ctx.listInput)).find((g) => g.grantId === grantId);
      expect(entry).toBeDefined();
      if (entry?.expiresAt) expect(Math.abs(entry.expiresAt.getTime() - later.getTime())).toBeLessThan(1000);
      // Extending twice is fine (a retried extension).
      await extend(grantId, outcome.ref);
      await ctx.provider.revoke(revokeInput(grantId, outcome.ref));
      await expect(extend(grantId, outcome.ref)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('implements every capability explicitly: sessions end or say unsupported', async () => {
      const grantId = contractGrantId();
      const outcome = await grant(grantId);
      const sessions = ctx.provider.terminateSessions(revokeInput(grantId, outcome.ref));
      if ((options.sessions ?? 'unsupported') === 'count') expect(await sessions).toBeGreaterThanOrEqual(0);
      else await expect(sessions).rejects.toMatchObject({ code: 'unsupported', retryable: false });
    });

    it('validates level config with its schema', () => {
      expect(options.schemas.levelConfig.safeParse(options.validLevelConfig).success).toBe(true);
      expect(options.schemas.levelConfig.safeParse(options.invalidLevelConfig).success).toBe(false);
      expect(options.schemas.levelConfig.safeParse(ctx.input.levelConfig).success).toBe(true);
      expect(options.schemas.resourceConfig.safeParse(ctx.input.resourceConfig).success).toBe(true);
    });
  });
}
