import { describe, expect, it } from 'vitest';
import { nestedRepeat } from './regex-safety.js';

describe('nestedRepeat: a repetition of something that repeats (star height above 1)', () => {
  it.each(['(x+x+)+y', '(a*)*', '(\\w+\\s?)+$', '((ab)+c)*', '(?<w>a+)+', '((a+)?)*', '(a{2,})+', '([a-z]+,?)*$', '(,\\s*,*)*', '(?:a+|b)+'])('refuses %s', (p) => {
    expect(nestedRepeat(p)).toBeDefined();
  });
  it.each([
    'x+y',
    '(ab)+',
    '(a|b)+',
    '\\(a+\\)+',
    '[(a+)]+',
    'colou?r',
    '(a+)?b',
    '(a{2,3})+',
    '\\b(british|UK) (english|spelling)\\b',
    '(?=a+)b',
    'a+(b+)c+',
    '\\[[A-Z]{2,6}-\\d+(?:,\\s*[A-Z]{2,6}-\\d+)*\\]',
    '(\\w+,)+',
    '(?:-\\s*\\w+)*',
    '(?:a+b)+',
  ])('accepts %s', (p) => {
    expect(nestedRepeat(p)).toBeUndefined();
  });
  it('a delimiter the inner repeats could match does not make it safe', () => {
    expect(nestedRepeat('(?:a\\w+)*', 'i')).toBeDefined();
    expect(nestedRepeat('(?:A[a-z]+)*', 'i')).toBeDefined();
    expect(nestedRepeat('(?:A[a-z]+)*')).toBeUndefined();
  });
  it('says where and what', () => {
    expect(nestedRepeat('(x+x+)+y')).toEqual({ index: 6, group: '(x+x+)', why: 'nested' });
    expect(nestedRepeat('(\\w|\\d)+$')).toEqual({ index: 7, group: '(\\w|\\d)', why: 'overlap' });
  });
});

describe('nestedRepeat: a repetition of alternatives that can start alike', () => {
  it.each(['(a|a)*', '(\\w|\\d)+$', '(?:a|ab)*c', '(?:[a-z]|x)+', '(?:.|\\s)*end', '(?<c>\\d|[0-9a-f])+'])('refuses %s', (p) => {
    expect(nestedRepeat(p)).toMatchObject({ why: 'overlap' });
  });
  it.each(['(a|b)+', '(ab|cd)*', '(?:\\s|,)+', '(?:[A-Z]|\\d)+', '(a|a)', '(a|a)?', '(a|a){1,3}', '(?:(ab)|a)*', '(?:|a)*'])('accepts %s', (p) => {
    expect(nestedRepeat(p)).toBeUndefined();
  });
  it('follows the flags: case-insensitive, A and a start alike', () => {
    expect(nestedRepeat('(?:A|a)+', 'i')).toMatchObject({ why: 'overlap' });
    expect(nestedRepeat('(?:A|a)+')).toBeUndefined();
  });
});
