import { describe, expect, it } from 'vitest';
import { ConfigError, effectiveSources, loadConfig, parseConfig } from '../../config/index.js';
import { tempDir, writeFile } from '../helpers.js';

describe('configuration', () => {
  it('fills every rule parameter with the national default', () => {
    const cfg = parseConfig({});
    expect(cfg.profile).toMatchObject({
      name: 'national',
      adultAge: 18,
      restriction: { minMonths: 6, measure: 'term' },
      lostContact: { minMonths: 6 },
      severeDisability: { anyType: [1, 2], mentalIntellectual: [1, 2, 3, 4] },
      leftBehind: { maxAge: 16 },
      adultContinuation: { enabled: false, maxAge: 22, levels: ['SENIOR', 'VOCATIONAL', 'HIGHER'] },
      urgent: { windowDays: 92 },
      retention: { feedDays: 400 },
    });
    expect(effectiveSources(cfg).map((s) => s.feed)).toEqual(['registry', 'death', 'incarceration', 'disability', 'enrollment', 'court', 'lost_contact', 'illness', 'hiv', 'social_assistance']);
    expect(cfg.profile.expectedFeeds).toEqual(['registry', 'death', 'incarceration', 'disability', 'enrollment']);
  });

  it('loads the shipped example province profile on top of the national one', () => {
    const cfg = parseConfig({ profile: 'example-province' });
    expect(cfg.profile.name).toBe('example-province');
    expect(cfg.profile.adultContinuation).toEqual({ enabled: true, maxAge: 22, levels: ['SENIOR', 'VOCATIONAL', 'HIGHER'] });
    expect(cfg.profile.difficulty.parentDisabilityLevels).toEqual({ anyType: [1, 2], mentalIntellectual: [1, 2, 3] });
    expect(cfg.profile.restriction).toEqual({ minMonths: 6, measure: 'served' });
  });

  it('lets a config file override one threshold and resolves paths against the file', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'bidui.json', JSON.stringify({ database: 'db/x.duckdb', profile: { extends: 'national', restriction: { minMonths: 3 } } }));
    const cfg = loadConfig(file);
    expect(cfg.profile.restriction.minMonths).toBe(3);
    expect(cfg.profile.urgent.windowDays).toBe(92);
    expect(cfg.database).toBe(`${dir}/db/x.duckdb`);
  });

  it('names the key and what was wrong', () => {
    expect(() => parseConfig({ profile: { restriction: { minMonths: 'six' } } }, 'bidui.json')).toThrow(
      /bidui\.json: profile\.restriction\.minMonths: .*number/,
    );
    expect(() => parseConfig({ sources: [{ name: 'x', feed: 'weather', path: 'w' }] }, 'c')).toThrow(/c: sources\.0\.feed/);
    expect(() => parseConfig({ jurisdiction: { codePrefixes: ['4403051'] } }, 'c')).toThrow(/jurisdiction\.codePrefixes\.0: expected 2, 4 or 6 digits/);
    expect(() => parseConfig({ profile: { urgnet: { windowDays: 30 } } }, 'c')).toThrow(/c: profile: .*urgnet/);
    expect(() => parseConfig({ profile: 'no-such-profile' })).toThrow(ConfigError);
  });

  it('reports unreadable and invalid files by path', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'bad.json', '{ not json');
    expect(() => loadConfig(file)).toThrow(new RegExp(`config ${file}: invalid JSON`));
    expect(() => loadConfig(`${dir}/missing.json`)).toThrow(/cannot be read/);
  });
});
