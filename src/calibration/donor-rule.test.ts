import { describe, expect, it } from 'vitest';
import { chipOf, chooseDonors, generationOf, median } from './donor-rule.js';

const fitted = [
  { name: 'H100', architecture: 'Hopper (GH100)' },
  { name: 'A100-80GB', architecture: 'Ampere (GA100)' },
  { name: 'A6000', architecture: 'Ampere (GA102)' },
  { name: 'RTX3090', architecture: 'Ampere (GA102)' },
  { name: 'RTX4090', architecture: 'Ada Lovelace (AD102)' },
];

describe('chooseDonors', () => {
  it('prefers the same chip, then the same generation, then every fitted GPU', () => {
    expect(chooseDonors({ name: 'H200', architecture: 'Hopper (GH100)' }, fitted)).toEqual({
      rule: 'same-chip',
      donors: ['H100'],
    });
    expect(chooseDonors({ name: 'A10', architecture: 'Ampere (GA102)' }, fitted)).toEqual({
      rule: 'same-chip',
      donors: ['A6000', 'RTX3090'],
    });
    expect(chooseDonors({ name: 'L4', architecture: 'Ada Lovelace (AD104)' }, fitted)).toEqual({
      rule: 'same-generation',
      donors: ['RTX4090'],
    });
    expect(chooseDonors({ name: 'MI300X', architecture: 'CDNA 3' }, fitted)?.rule).toBe(
      'all-fitted',
    );
    expect(chooseDonors({ name: '', architecture: '' }, fitted)?.donors).toHaveLength(5);
  });

  it('never picks the GPU itself, and has no answer when nobody measured the constant', () => {
    expect(
      chooseDonors(fitted[0] as (typeof fitted)[number], [fitted[0] as (typeof fitted)[number]]),
    ).toBeUndefined();
    expect(chooseDonors({ name: 'X', architecture: 'Hopper (GH100)' }, [])).toBeUndefined();
  });
});

describe('architecture parts and median', () => {
  it('reads the chip in parentheses and the generation as the first word', () => {
    expect(chipOf('Hopper (GH100)')).toBe('gh100');
    expect(chipOf('Blackwell')).toBe('blackwell');
    expect(generationOf('Ada Lovelace (AD102)')).toBe('ada');
  });

  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
