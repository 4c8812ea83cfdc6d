import { DuckDBInstance } from '@duckdb/node-api';
import { registerIdentityFunctions } from './pipeline/identity/index.js';
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await inst.connect();
registerIdentityFunctions(conn);
const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
await q(`create table ids as select '11010519500101' || lpad((i % 1000)::varchar, 3, '0') || 'X' as s from range(300000) t(i)`);
for (let k = 0; k < 2; k++) {
const t = performance.now();
await q('select count(bidui_id(s, false))::int x from ids');
console.log('µs/row', ((performance.now() - t) * 1000 / 300000).toFixed(2));
}
