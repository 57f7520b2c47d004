import { describe, expect, it } from 'vitest';
import { compactJson } from '../../src/core/notify/compactJson.ts';

describe('compactJson', () => {
  it('keeps short arrays and objects on one line and breaks long ones, one key per line', () => {
    const v = { windows: [1, 5, 10], nested: { a: 1, b: 'x' }, long: Array.from({ length: 30 }, (_, i) => i * 1000) };
    const text = compactJson(v, 40);
    expect(text).toBe(
      ['{', '  "windows": [1, 5, 10],', '  "nested": {"a": 1, "b": "x"},', '  "long": [', ...Array.from({ length: 30 }, (_, i) => `    ${i * 1000}${i < 29 ? ',' : ''}`), '  ]', '}'].join('\n'),
    );
    expect(JSON.parse(text)).toEqual(v);
  });

  it('prints scalars, null and empty containers as JSON', () => {
    expect(compactJson(null)).toBe('null');
    expect(compactJson('a')).toBe('"a"');
    expect(compactJson([])).toBe('[]');
    expect(compactJson({})).toBe('{}');
  });
});
