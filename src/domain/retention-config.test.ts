import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { parseRetentionConfig } from './retention-config.js';

describe('retention config', () => {
  it('reads days and an optional archive directory', () => {
    expect(parseRetentionConfig(undefined)).toBeNull();
    expect(parseRetentionConfig({ days: 30 })).toEqual({ days: 30, archiveDir: null });
    expect(parseRetentionConfig({ days: 365, archiveDir: '/srv/archive' })).toEqual({
      days: 365,
      archiveDir: '/srv/archive',
    });
  });

  it.each([
    [{ days: 29 }, 'retention.days'],
    [{ days: 30.5 }, 'retention.days'],
    [{ days: '90' }, 'retention.days'],
    [{}, 'retention.days'],
    [{ days: 90, archiveDir: '' }, 'retention.archiveDir'],
  ])('refuses %j naming %s', (value, field) => {
    try {
      parseRetentionConfig(value);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).details.field).toBe(field);
    }
  });

  it('names the minimum and refuses unknown keys', () => {
    expect(() => parseRetentionConfig({ days: 7 })).toThrow(/from 30 to 36500, not the number 7/);
    expect(() => parseRetentionConfig({ days: 90, keep: 1 })).toThrow(/keep/);
  });
});
