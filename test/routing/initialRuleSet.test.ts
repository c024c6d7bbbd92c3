import { afterEach, describe, expect, it } from 'vitest';
import { getSqliteEventStore } from '../../src/adapters/eventStore/sqlite/index.js';
import { defaultRuleSetFile } from '../../src/config/config.js';
import { compileContracts } from '../../src/http/contracts.js';
import { publishInitialRuleSet } from '../../src/registries/initialRuleSet.js';
import { startRegistries } from '../../src/registries/registries.js';
import { createRuleSetValidator } from '../../src/routing/validate.js';
import { tempSqliteFiles } from '../support/tempFiles.js';

const files = tempSqliteFiles('coexist-initial-rules-');
afterEach(() => files.removeAll());

describe('the rule set a gateway publishes at its first start', () => {
  it('names the shipped default by its place in the repository, not by the build copy an auditor cannot find', async () => {
    const store = getSqliteEventStore({ file: files.file() });
    const registries = await startRegistries(store);
    try {
      const validate = createRuleSetValidator(compileContracts().ajv);
      const version = await publishInitialRuleSet(registries.rules, defaultRuleSetFile, validate);
      expect(version).toBe(1);
      const published = registries.rules.latest();
      expect(published?.reason).toBe(
        'Initial rule set from the gateway configuration (routing-rules/phase-0-all-legacy.yaml, shipped with Coexist)',
      );
      // A second start publishes nothing: version 1 stands.
      expect(
        await publishInitialRuleSet(registries.rules, defaultRuleSetFile, validate),
      ).toBeNull();
    } finally {
      await registries.stop();
      await store.close();
    }
  });
});
