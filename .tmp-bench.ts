import { DuckDBInstance } from '@duckdb/node-api';
import { registerIdentityFunctions, normalizeName, resetNameCache } from './pipeline/identity/index.js';
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await inst.connect();
registerIdentityFunctions(conn);
const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
const N = 1_000_000;
await q(`create table ids as
  with b as (select i, ['110105','440305','110103','130106','320102','510104','420111','610113'][(i % 8) + 1]
      || strftime(date '1950-01-01' + (i * 7919 % 25000)::int, '%Y%m%d') || lpad((i % 1000)::varchar, 3, '0') as f17 from range(${N}) t(i)),
  c as (select i, f17 || substr('10X98765432', (list_sum(list_transform(range(17), k -> substr(f17, k + 1, 1)::int * [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2][k + 1])) % 11)::int + 1, 1) as id from b)
  select i, case when i % 50 = 0 then lower(id) when i % 97 = 0 then substr(id, 1, 15) || '000' when i % 101 = 0 then substr(id,1,6)||substr(id,9,9) else id end as s from c`);
await q(`create table names as
  with s as (select ['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭','何','高','林','罗','单','曾','欧阳','解','區','諸葛'] as sur,
    ['伟','芳','娜','敏','静','丽','强','磊','军','洋','勇','艳','杰','娟','涛','明','超','秀','霞','平','刚','桂','英','华','玉','兰','文','晓','红','梅','鑫','宇','浩','子','涵','轩','欣','怡','博','雨'] as g)
  select i, sur[(i % 26) + 1] || g[((i // 26) % 40) + 1] || case when i % 3 = 0 then '' else g[((i // 1040) % 40) + 1] end
     || case when i % 7 = 0 then g[((i // 41600) % 40) + 1] else '' end as s from range(${N}) t(i), s`);
await q(`create table dates as select i, case i % 5 when 0 then strftime(date '1990-01-01' + (i % 12000)::int, '%Y-%m-%d')
  when 1 then strftime(date '1990-01-01' + (i % 12000)::int, '%Y/%-m/%-d') when 2 then strftime(date '1990-01-01' + (i % 12000)::int, '%Y%m%d')
  when 3 then strftime(date '1990-01-01' + (i % 12000)::int, '%Y年%-m月%-d日') else (33000 + i % 12000)::varchar end as s from range(${N}) t(i)`);
await q(`create table codes as select i, ['男','女','1','2','M','F'][(i % 6) + 1] as g, ['正常','死亡','服刑在押','遣送（驱逐）出境','失联','重残'][(i % 6) + 1] as p from range(${N}) t(i)`);
await q(`create table pairs as select a.s as a, b.s as b from names a join names b on b.i = (a.i * 7 + 1) % ${N}`);
console.log('distinct names', await q('select count(distinct s)::int n from names'));
async function time(label: string, sql: string) {
  const t = performance.now();
  const r = await q(sql);
  const ms = performance.now() - t;
  console.log(label.padEnd(26), (ms / 1000).toFixed(2), 's', Math.round(N / (ms / 1000)).toLocaleString('en'), 'rows/s', JSON.stringify(r[0]));
}
await time('baseline scan length(s)', 'select sum(length(s))::int x from ids');
await time('bidui_id', 'select count(bidui_id(s, false))::int x from ids');
resetNameCache();
await time('bidui_name (cold cache)', 'select count(bidui_name(s))::int x from names');
await time('bidui_name (warm cache)', 'select count(bidui_name(s))::int x from names');
await time('bidui_date', 'select count(bidui_date(s, false))::int x from dates');
await time('bidui_month', 'select count(bidui_month(s))::int x from dates');
await time('bidui_code gender', "select count(bidui_code('gender', g))::int x from codes");
await time('bidui_code parentStatus', "select count(bidui_code('parentStatus', p))::int x from codes");
await time('bidui_char_damerau', 'select sum(bidui_char_damerau(a, b))::bigint::varchar x from pairs');
await time('builtin damerau (bytes)', 'select sum(damerau_levenshtein(a, b))::bigint::varchar x from pairs');
// Pure JS per distinct name, no cache.
const distinct: string[] = (await q('select distinct s from names limit 100000')).map((r: any) => r.s);
let t = performance.now();
for (const n of distinct) normalizeName(n);
console.log('normalizeName µs/distinct name', ((performance.now() - t) * 1000 / distinct.length).toFixed(1), 'over', distinct.length);
