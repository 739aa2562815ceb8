/**
 * A small seeded random source for the threat-model generator (sfc32 seeded from an FNV-1a hash of
 * the seed text). Written for this folder alone so the evaluation shares no code with src/risk-lab.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Whole number in [lo, hi]. */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight; weights need not sum to 1. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T;
  /** Roughly normal (sum of three uniforms), mean 0 and standard deviation 1. */
  gauss(): number;
  /** Poisson-distributed count with this mean. */
  poisson(mean: number): number;
  /** A version-4-shaped UUID drawn from this source (deterministic per seed). */
  uuid(): string;
  /** An independent source derived from this one and a label. */
  fork(label: string): Random;
}

function hash(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function createRandom(seed: string): Random {
  let a = hash(seed, 1);
  let b = hash(seed, 2);
  let c = hash(seed, 3);
  let d = hash(seed, 4) | 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i += 1) next();
  const random: Random = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: (items) => {
      const total = items.reduce((sum, [, w]) => sum + w, 0);
      let x = next() * total;
      for (const [item, w] of items) {
        x -= w;
        if (x < 0) return item;
      }
      return items[items.length - 1]![0];
    },
    gauss: () => (next() + next() + next() - 1.5) * 2,
    poisson: (mean) => {
      const limit = Math.exp(-mean);
      let k = 0;
      let p = next();
      while (p > limit) {
        k += 1;
        p *= next();
      }
      return k;
    },
    uuid: () => {
      const word = () =>
        Math.floor(next() * 4294967296)
          .toString(16)
          .padStart(8, '0');
      const s = `${word()}${word()}${word()}${word()}`;
      const variant = (8 + (Number.parseInt(s[16]!, 16) & 3)).toString(16);
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20)}`;
    },
    fork: (label) => createRandom(`${seed}/${label}/${Math.floor(next() * 1e9)}`),
  };
  return random;
}
