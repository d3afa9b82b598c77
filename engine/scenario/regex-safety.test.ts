import { describe, expect, it } from 'vitest';
import { nestedRepeat } from './regex-safety.js';

describe('nestedRepeat: a repetition of something that repeats (star height above 1)', () => {
  it.each(['(x+x+)+y', '(a*)*', '(\\w+\\s?)+$', '((ab)+c)*', '(?:a+b)+', '(?<w>a+)+', '((a+)?)*', '(a{2,})+', '([a-z]+,?)*$'])('refuses %s', (p) => {
    expect(nestedRepeat(p)).toBeDefined();
  });
  it.each(['x+y', '(ab)+', '(a|b)+', '\\(a+\\)+', '[(a+)]+', 'colou?r', '(a+)?b', '(a{2,3})+', '\\b(british|UK) (english|spelling)\\b', '(?=a+)b', 'a+(b+)c+'])('accepts %s', (p) => {
    expect(nestedRepeat(p)).toBeUndefined();
  });
  it('says where and what', () => {
    expect(nestedRepeat('(x+x+)+y')).toEqual({ index: 6, group: '(x+x+)' });
  });
});
