/**
 * Classifies SQL statements by their worst effect, from tokens rather than substrings: text inside
 * string literals, quoted identifiers, dollar-quoted bodies and comments never counts, and a DML hidden
 * in a CTE (`WITH d AS (DELETE …) SELECT …`) counts as that DML.
 */
export type StatementEffect =
  | 'drop'
  | 'truncate'
  | 'alter'
  | 'grant'
  | 'revoke'
  | 'delete'
  | 'update'
  | 'insert'
  | 'merge'
  | 'copy'
  | 'create'
  | 'select'
  | 'other';

export interface StatementFinding {
  /** Every effect found in the statement (including CTE-hidden DML). */
  effects: StatementEffect[];
  /** A DELETE or UPDATE with no WHERE clause at its own level. */
  unboundedWrite: boolean;
  /** Changes data or schema. */
  writes: boolean;
  /** Destructive or privilege-changing (DROP, TRUNCATE, ALTER, GRANT, REVOKE, unbounded DELETE/UPDATE). */
  destructive: boolean;
}

interface Token {
  word: string;
  depth: number;
}

/** Lowercased words with their parenthesis depth; literals, quoted identifiers and comments are skipped. */
export function tokenize(sql: string): Token[][] {
  const statements: Token[][] = [[]];
  let depth = 0;
  let i = 0;
  const push = (word: string) => statements[statements.length - 1]!.push({ word, depth });
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (ch === "'" || ch === '"') {
      i += 1;
      while (i < sql.length) {
        if (sql[i] === ch && sql[i + 1] === ch) i += 2;
        else if (sql[i] === ch) break;
        else i += 1;
      }
      i += 1;
      if (ch === '"') push('"ident"');
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? sql.length : end + tag[0].length;
      } else i += 1;
    } else if (ch === '(') {
      depth += 1;
      i += 1;
    } else if (ch === ')') {
      depth = Math.max(0, depth - 1);
      i += 1;
    } else if (ch === ';') {
      statements.push([]);
      depth = 0;
      i += 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!;
      push(match[0].toLowerCase());
      i += match[0].length;
    } else {
      i += 1;
    }
  }
  return statements.filter((s) => s.length > 0);
}

const VERBS: Record<string, StatementEffect> = {
  drop: 'drop',
  truncate: 'truncate',
  alter: 'alter',
  grant: 'grant',
  revoke: 'revoke',
  delete: 'delete',
  update: 'update',
  insert: 'insert',
  merge: 'merge',
  copy: 'copy',
  create: 'create',
  select: 'select',
};
const WRITE_EFFECTS = new Set<StatementEffect>([
  'drop',
  'truncate',
  'alter',
  'grant',
  'revoke',
  'delete',
  'update',
  'insert',
  'merge',
  'create',
]);

function classifyTokens(tokens: Token[]): StatementFinding {
  const effects = new Set<StatementEffect>();
  let unboundedWrite = false;
  for (let i = 0; i < tokens.length; i += 1) {
    const { word, depth } = tokens[i]!;
    const previous = tokens[i - 1]?.word;
    // A verb starts a (sub)statement at the start, after WITH … AS (, or as a CTE body.
    const starts =
      i === 0 || previous === 'as' || previous === 'explain' || previous === 'analyze' || (tokens[i - 1]?.depth ?? depth) < depth;
    const effect = VERBS[word];
    if (!effect || !starts) continue;
    if (word === 'copy') {
      // COPY t FROM … writes; COPY … TO only reads.
      const rest = tokens.slice(i + 1).filter((t) => t.depth === depth);
      effects.add(rest.some((t) => t.word === 'from') ? 'copy' : 'select');
      continue;
    }
    effects.add(effect);
    if (word === 'delete' || word === 'update') {
      const rest = tokens.slice(i + 1);
      const end = rest.findIndex((t) => t.depth < depth);
      const scope = (end === -1 ? rest : rest.slice(0, end)).filter((t) => t.depth === depth);
      if (!scope.some((t) => t.word === 'where' || t.word === 'current')) unboundedWrite = true;
    }
  }
  // EXPLAIN without ANALYZE does not run the statement.
  if (tokens[0]?.word === 'explain' && !tokens.some((t) => t.word === 'analyze'))
    return { effects: ['select'], unboundedWrite: false, writes: false, destructive: false };
  const list = effects.size > 0 ? [...effects] : (['other'] as StatementEffect[]);
  const destructive =
    unboundedWrite || list.some((e) => e === 'drop' || e === 'truncate' || e === 'alter' || e === 'grant' || e === 'revoke');
  return { effects: list, unboundedWrite, writes: list.some((e) => WRITE_EFFECTS.has(e) || e === 'copy'), destructive };
}

/** Classifies each statement of a (possibly multi-statement) SQL text. */
export function classifySql(sql: string): StatementFinding[] {
  return tokenize(sql).map(classifyTokens);
}
