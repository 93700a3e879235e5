import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
const spec = parse(readFileSync('/work/shared/openai/openapi.yaml','utf8'));
const s = spec.components.schemas;
const strip = (n)=> { if(Array.isArray(n)) return n.map(strip); if(n&&typeof n==='object'){ const o={}; for(const [k,v] of Object.entries(n)){ if(k==='description'||k==='x-oaiMeta'||k==='example'||k==='title') continue; o[k]=strip(v);} return o;} return n; };
for (const name of process.argv.slice(2)) console.log(name, JSON.stringify(strip(s[name])), '\n');
