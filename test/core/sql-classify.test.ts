import { describe, expect, it } from 'vitest';
import { classifySql } from '../../src/core/monitor/sql-classify.js';

const one = (sql: string) => classifySql(sql)[0]!;

describe('SQL classification', () => {
  it.each([
    ['DELETE FROM t WHERE id = 1', false, false],
    ['DELETE FROM t', true, true],
    ['delete from t;', true, true],
    ['UPDATE users SET email = $1 WHERE id = $2', false, false],
    ["UPDATE users SET email = 'x'", true, true],
    ['UPDATE t SET a = (SELECT max(b) FROM u WHERE u.id = 1)', true, true],
    ['DROP TABLE orders', true, false],
    ['TRUNCATE orders', true, false],
    ['ALTER TABLE orders ADD COLUMN x int', true, false],
    ['GRANT SELECT ON orders TO bob', true, false],
    ["SELECT * FROM orders WHERE note = 'drop table x; delete from t'", false, false],
    ['SELECT "drop" FROM t -- drop table t', false, false],
    ['SELECT 1 /* truncate t */', false, false],
    ['SELECT $$ drop table x $$', false, false],
    ['WITH d AS (DELETE FROM customers RETURNING *) SELECT * FROM d', true, true],
    ['WITH d AS (DELETE FROM customers WHERE id = 3 RETURNING *) SELECT * FROM d', false, false],
    ['EXPLAIN DELETE FROM t', false, false],
    ['EXPLAIN ANALYZE DELETE FROM t', true, true],
  ])('%s → destructive %s, unbounded %s', (sql, destructive, unbounded) => {
    const finding = one(sql);
    expect(finding.destructive).toBe(destructive);
    expect(finding.unboundedWrite).toBe(unbounded);
  });

  it('tells writes from reads', () => {
    expect(one('INSERT INTO t VALUES (1)').writes).toBe(true);
    expect(one('SELECT * FROM t').writes).toBe(false);
    expect(one("COPY t FROM '/tmp/x'").writes).toBe(true);
    expect(one('COPY t TO STDOUT').writes).toBe(false);
    expect(one('with x as (insert into t values (1) returning id) select id from x').effects).toContain('insert');
  });

  it('splits statements', () => {
    expect(classifySql("select 1; drop table t; select ';'").map((f) => f.destructive)).toEqual([false, true, false]);
  });
});
