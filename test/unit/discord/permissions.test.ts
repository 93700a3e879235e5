import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPermissionTable } from '../../../src/discord/permissions.ts';

describe('the permission table', () => {
  it('is in the README exactly as the code renders it', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = /<!-- permissions:start -->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(readme);
    expect(section, 'README has the permissions markers').not.toBeNull();
    expect(section![1]).toBe(renderPermissionTable());
  });
});
