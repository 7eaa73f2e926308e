import { describe, expect, it } from 'vitest';
import {
  expectSameAnswers,
  normalizeIdsAndTimes,
  type StoryStep,
  stepAt,
  stepRange,
  verbatim,
} from './story-harness.js';

const step = (out: string, code = 0, err = ''): StoryStep => ({ args: ['cr', 'get'], code, out, err });
const id = (c: string) => c.repeat(26);

describe('the story harness comparison', () => {
  it('treats two runs that differ only by ids and current instants as the same', () => {
    const local = [step(`{"id":"${id('A')}","at":"2026-01-05T09:00:01.000Z"}`)];
    const remote = [step(`{"id":"${id('B')}","at":"2026-11-22T03:00:00.123Z"}`)];
    expectSameAnswers(local, remote, { steps: [0] });
  });

  it('fails when the output differs in anything else', () => {
    const local = [step('state: closed\n')];
    const remote = [step('state: canceled\n')];
    expect(() => expectSameAnswers(local, remote, { steps: [0] })).toThrow(/state: c/);
  });

  it('fails when an exit code differs, naming the step and its stderr', () => {
    const local = [step('', 0), step('', 0)];
    const remote = [step('', 0), step('', 2, 'error: forbidden\n')];
    expect(() => expectSameAnswers(local, remote, { steps: [] })).toThrow(/cr get: error: forbidden/);
  });

  it('fails when the remote story has fewer steps', () => {
    expect(() => expectSameAnswers([step(''), step('')], [step('')], { steps: [0] })).toThrow();
  });

  it('compares stderr as it is unless told not to', () => {
    const local = [step('', 2, `error: ${id('A')} was not found\n`)];
    const remote = [step('', 2, `error: ${id('B')} was not found\n`)];
    expect(() => expectSameAnswers(local, remote, { steps: [0] })).toThrow(/^cr get: expected 'error: B+/);
    expectSameAnswers(local, remote, { steps: [0], compareStderr: false });
  });

  it('checks only the steps it is given', () => {
    const local = [step('audit seq 3'), step('same')];
    const remote = [step('audit seq 5'), step('same')];
    expectSameAnswers(local, remote, { steps: [1] });
    expect(() => expectSameAnswers(local, remote, { steps: stepRange(0, 2) })).toThrow(/audit seq/);
  });

  it('compares verbatim output to the byte', () => {
    const local = [step('since 2026-01-05T09:00:01.000Z')];
    const remote = [step('since 2026-01-05T09:00:02.000Z')];
    expectSameAnswers(local, remote, { steps: [0] });
    expect(() => expectSameAnswers(local, remote, { steps: [0], normalize: verbatim })).toThrow();
  });

  it('keeps the instants a story chose itself when asked to', () => {
    const text = 'from 2099-03-07T22:00:00.000Z, at 2026-01-05T09:00:01.000Z';
    expect(normalizeIdsAndTimes(text, (t) => t.startsWith('2099'))).toBe(
      'from 2099-03-07T22:00:00.000Z, at <time>',
    );
    expect(normalizeIdsAndTimes(text)).toBe('from <time>, at <time>');
  });

  it('names the missing step instead of returning undefined', () => {
    expect(stepAt([step('x')], 0).out).toBe('x');
    expect(() => stepAt([step('x')], 3)).toThrow('the story has 1 steps, none at index 3');
    expect(stepRange(2, 5)).toEqual([2, 3, 4]);
    expect(stepRange(3, 1)).toEqual([]);
  });
});
