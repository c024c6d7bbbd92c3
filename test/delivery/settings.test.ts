/** Delivery settings: named policies over the defaults, refused with every problem named; backoff. */
import { Ajv } from 'ajv';
import { describe, expect, it, vi } from 'vitest';
import {
  policyOf,
  resolveDeliverySettings,
  retryDelayMs,
  targetSettingsOf,
  withPublishedQuota,
} from '../../src/delivery/settings.js';

describe('delivery settings', () => {
  it('lays named policies and targets over the defaults', () => {
    const settings = resolveDeliverySettings({
      policies: { patient: { maxAttempts: 50, permanentCodes: ['unknown-code'] } },
      targets: { legacy: { policy: 'patient', concurrency: 8 } },
    });
    expect(policyOf(settings, 'legacy')).toMatchObject({
      maxAttempts: 50,
      initialDelayMs: 1_000,
      permanentCodes: ['unknown-code'],
    });
    expect(targetSettingsOf(settings, 'legacy')).toMatchObject({
      concurrency: 8,
      breaker: { consecutiveFailures: 5 },
    });
    expect(targetSettingsOf(settings, 'cloud').concurrency).toBe(4);
  });

  it('refuses bad settings naming each problem', () => {
    const bad = () =>
      resolveDeliverySettings({ targets: { legacy: { concurrency: 0, speed: 'fast' } } });
    expect(bad).toThrow('/targets/legacy/concurrency must be >= 1');
    expect(bad).toThrow('/targets/legacy must NOT have additional properties');
    expect(() => resolveDeliverySettings({ targets: { legacy: { policy: 'missing' } } })).toThrow(
      'target legacy names unknown policy "missing"',
    );
  });

  it('compiles its schema once, not on every call (the dispatcher resolves settings often)', () => {
    resolveDeliverySettings({});
    const compile = vi.spyOn(Ajv.prototype, 'compile');
    try {
      for (let n = 0; n < 3; n++) {
        resolveDeliverySettings({ targets: { legacy: { concurrency: 2 } } });
        expect(() => resolveDeliverySettings({ leaseTtlMs: 1 })).toThrow(
          '/leaseTtlMs must be >= 500',
        );
      }
      expect(compile).not.toHaveBeenCalled();
    } finally {
      compile.mockRestore();
    }
  });

  it('backs off exponentially with jitter, capped, and honours a longer Retry-After', () => {
    const policy = {
      maxAttempts: 10,
      initialDelayMs: 1_000,
      maxDelayMs: 8_000,
      permanentCodes: [],
    };
    expect(retryDelayMs(policy, 1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(policy, 1, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(policy, 3, undefined, () => 1)).toBe(4_000);
    expect(retryDelayMs(policy, 10, undefined, () => 1)).toBe(8_000);
    expect(retryDelayMs(policy, 10, undefined, () => 0)).toBe(4_000);
    expect(retryDelayMs(policy, 1, 30_000, () => 1)).toBe(30_000);
    expect(retryDelayMs(policy, 3, 10, () => 1)).toBe(4_000);
  });

  it("takes an ERP's published quota where the operator set none, and never overrides theirs", () => {
    const published = { requests: 6_000, windowMs: 300_000, concurrent: 5 };
    const plain = resolveDeliverySettings({ targets: { default: { concurrency: 8 } } });
    const cloud = targetSettingsOf(withPublishedQuota(plain, 'cloud', published), 'cloud');
    expect(cloud.quota).toEqual(published);
    expect(cloud.concurrency).toBe(5);
    expect(targetSettingsOf(withPublishedQuota(plain, 'cloud', published), 'legacy').quota).toBe(
      undefined,
    );
    const own = { requests: 100, windowMs: 10_000, concurrent: 2 };
    const operator = resolveDeliverySettings({ targets: { cloud: { quota: own } } });
    expect(
      targetSettingsOf(withPublishedQuota(operator, 'cloud', published), 'cloud').quota,
    ).toEqual(own);
  });
});
