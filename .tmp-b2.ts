import { normalizeId, parseDate } from './pipeline/identity/index.js';
const ids: string[] = [];
for (let i = 0; i < 200000; i++) ids.push('110105' + String(19500101 + (i % 28)) + String(i % 1000).padStart(3, '0') + 'X');
let t = performance.now(); for (const s of ids) normalizeId(s); console.log('normalizeId µs', ((performance.now() - t) * 1000 / ids.length).toFixed(2));
t = performance.now(); for (const s of ids) normalizeId(s); console.log('normalizeId µs', ((performance.now() - t) * 1000 / ids.length).toFixed(2));
t = performance.now(); for (const s of ids) parseDate('2024/3/1'); console.log('parseDate µs', ((performance.now() - t) * 1000 / ids.length).toFixed(2));
