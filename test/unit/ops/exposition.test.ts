import { describe, expect, it } from 'vitest';
import { Counter, escapeLabelValue, formatLabels, formatValue, Histogram, renderGauge } from '../../../src/ops/exposition.ts';
import { checkHistogram, parseExposition, sampleValue } from './parse-exposition.ts';

const render = (...blocks: string[][]) => blocks.flat().join('\n') + '\n';

describe('exposition format building blocks', () => {
  it('escapes exactly backslash, double quote and line feed in label values', () => {
    expect(escapeLabelValue('plain')).toBe('plain');
    expect(escapeLabelValue('a\\b')).toBe('a\\\\b');
    expect(escapeLabelValue('say "hi"')).toBe('say \\"hi\\"');
    expect(escapeLabelValue('two\nlines')).toBe('two\\nlines');
    expect(escapeLabelValue('tab\tand ünïcode}')).toBe('tab\tand ünïcode}');
  });

  it('round-trips hostile label values through an independent parser', () => {
    const nasty = ['a"b', 'back\\slash', 'new\nline', '} 1\nfake_metric 99', '\\"', 'end\\'];
    const counter = new Counter('t_total', 'help', ['kind']);
    nasty.forEach((kind, i) => counter.inc({ kind }, i + 1));
    const families = parseExposition(render(counter.render()));
    expect([...families.keys()]).toEqual(['t_total']);
    nasty.forEach((kind, i) => expect(sampleValue(families, 't_total', { kind })).toBe(i + 1));
  });

  it('spells special values the Prometheus way', () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe('+Inf');
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe('-Inf');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(0.005)).toBe('0.005');
    expect(formatValue(1e21)).toBe('1e+21');
    expect(formatLabels({})).toBe('');
    expect(formatLabels({ b: '1', a: '2' })).toBe('{b="1",a="2"}');
  });

  it('writes HELP and TYPE once per family, labels in declared order, and ignores decrements', () => {
    const counter = new Counter('jobs_total', 'Jobs\nwith a \\ in help', ['kind', 'status']);
    counter.init({ status: 'ok', kind: 'x' });
    counter.inc({ status: 'ok', kind: 'x' }, 2);
    counter.inc({ kind: 'x', status: 'ok' }, -5);
    counter.inc({ kind: 'x', status: 'ok' }, Number.NaN);
    const lines = counter.render();
    expect(lines).toEqual(['# HELP jobs_total Jobs\\nwith a \\\\ in help', '# TYPE jobs_total counter', 'jobs_total{kind="x",status="ok"} 2']);
    const family = parseExposition(render(lines)).get('jobs_total')!;
    expect(family.help).toBe('Jobs\nwith a \\ in help');
    expect(family.type).toBe('counter');
  });

  it('renders a histogram with cumulative buckets, inclusive upper bounds, _sum and _count', () => {
    const histogram = new Histogram('lat_seconds', 'latency', [1, 0.1, 0.5]);
    for (const value of [0.05, 0.1, 0.2, 0.5, 0.7, 3]) histogram.observe(value);
    for (const dropped of [-1, Number.NaN, Number.POSITIVE_INFINITY]) histogram.observe(dropped);
    const family = parseExposition(render(histogram.render())).get('lat_seconds')!;
    const figures = checkHistogram(family);
    expect(figures.bounds).toEqual([0.1, 0.5, 1, Number.POSITIVE_INFINITY]);
    // le is inclusive: 0.1 counts in the 0.1 bucket and 0.5 in the 0.5 bucket.
    expect(figures.counts).toEqual([2, 4, 5, 6]);
    expect(figures.count).toBe(6);
    expect(figures.sum).toBeCloseTo(4.55, 10);
  });

  it('renders an empty histogram with all buckets at zero', () => {
    const figures = checkHistogram(parseExposition(render(new Histogram('h', 'help', [0.5, 1]).render())).get('h')!);
    expect(figures.counts).toEqual([0, 0, 0]);
    expect(figures.sum).toBe(0);
  });

  it('refuses duplicate or non-finite bucket bounds', () => {
    expect(() => new Histogram('h', 'help', [1, 1])).toThrow(RangeError);
    expect(() => new Histogram('h', 'help', [1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
  });

  it('renders a gauge', () => {
    const families = parseExposition(render(renderGauge('mem_bytes', 'memory', 1_234)));
    expect(families.get('mem_bytes')!.type).toBe('gauge');
    expect(sampleValue(families, 'mem_bytes')).toBe(1_234);
  });

  it('the test parser rejects malformed text, so passing it means something', () => {
    expect(() => parseExposition('x 1')).toThrow(/line feed/);
    expect(() => parseExposition('x 1\n')).toThrow(/before HELP/);
    expect(() => parseExposition('# HELP x h\n# TYPE x counter\nx{a="b} 1\n')).toThrow();
    expect(() => parseExposition('# HELP x h\n# TYPE x counter\nx{a="\\t"} 1\n')).toThrow(/bad escape/);
    expect(() => parseExposition('# HELP x h\n# TYPE x counter\ny 1\n')).toThrow(/outside its family/);
    expect(() => parseExposition('# HELP x h\n# TYPE x counter\nx 1 2 3\n')).toThrow(/one space/);
    expect(() => parseExposition('# HELP x h\n# TYPE x counter\nx one\n')).toThrow(/bad value/);
    const broken = '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n';
    expect(() => checkHistogram(parseExposition(broken).get('h')!)).toThrow(/decrease/);
  });
});
