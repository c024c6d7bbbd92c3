/**
 * At start-up, a gateway whose event store holds no rule set publishes the one its
 * configuration names, as version 1, so every document is routed by a recorded rule.
 */
import { readFileSync } from 'node:fs';
import { ruleSetFileLabel } from '../config/config.js';
import type { RuleSetCheck } from '../routing/validate.js';
import { parseRuleSetText } from '../routing/validate.js';
import { type RuleSetRegistry, RuleSetVersionConflictError } from './ruleSets.js';

export class InvalidRuleSetFileError extends Error {
  override name = 'InvalidRuleSetFileError';
}

export const publishInitialRuleSet = async (
  registry: RuleSetRegistry,
  file: string,
  validate: (input: unknown) => RuleSetCheck,
): Promise<number | null> => {
  if (registry.latest()) return null;
  const parsed = parseRuleSetText(readFileSync(file, 'utf8'));
  const checked = parsed.ok ? validate(parsed.data) : parsed;
  if (!checked.ok) {
    const lines = checked.violations.map((v) => `  ${v.pointer || '/'}: ${v.message}`);
    throw new InvalidRuleSetFileError(`Rule set ${file} is invalid:\n${lines.join('\n')}`);
  }
  try {
    const { version } = await registry.publish(
      checked.ruleSet,
      {
        author: 'gateway',
        reason: `Initial rule set from the gateway configuration (${ruleSetFileLabel(file)})`,
      },
      0,
    );
    return version.version;
  } catch (error) {
    // Another instance published first: its version 1 stands.
    if (error instanceof RuleSetVersionConflictError) return null;
    throw error;
  }
};
