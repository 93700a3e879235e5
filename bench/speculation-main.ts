/**
 * `npm run bench:speculation [-- --quick]`: figure 7 (speculative answers) alone, printed as a table.
 * The full `npm run bench` runs the same scenario.
 */
import { formatTable } from './report.ts';
import { measureSpeculation, speculationFigures } from './speculation.ts';

const quick = process.argv.includes('--quick');
const results = await measureSpeculation({ samples: quick ? 3 : 8 });
console.log(formatTable(speculationFigures(results)));
if (results.errors.length > 0) console.log(`Problems:\n  ${results.errors.slice(0, 10).join('\n  ')}`);
process.exit(0);
