/** Readable tables for `coexist rules diff` and `coexist rules simulate`. */
import type { RuleSetDiff } from '../routing/diff.js';
import type { SimulationReport } from '../routing/simulation.js';
import { table } from './table.js';

/** A published version as `GET /v1/admin/routing-rules/versions` lists it. */
export interface PublishedVersion {
  version: number;
  name: string;
  effectiveFrom: string;
}

export const printDiff = (
  diff: RuleSetDiff & { againstVersion: number },
  pending: PublishedVersion[] = [],
): void => {
  const against = diff.againstVersion
    ? `version ${diff.againstVersion}, the rule set in force now`
    : 'no rule set (none is in force yet)';
  if (diff.identical) console.log(`Identical to ${against}: publishing would change nothing.`);
  else {
    console.log(`Against ${against}:`);
    const rows: string[][] = [
      ...diff.header.map((field) => ['header', field]),
      ...diff.added.map((id) => ['added', id]),
      ...diff.removed.map((id) => ['removed', id]),
      ...diff.changed.map((c) => ['changed', `${c.id} (${c.fields.join(', ')})`]),
      ...diff.reordered.map((id) => ['moved', `${id} (order matters: first match wins)`]),
    ];
    console.log(table(['change', 'rule'], rows));
  }
  for (const v of pending) {
    console.log(
      `Note: version ${v.version} ("${v.name}") is published and takes effect at ${v.effectiveFrom}; a set published to take effect before then will be in force only until then.`,
    );
  }
};

export const printSimulation = (report: SimulationReport): void => {
  console.log(
    `Simulation of "${report.ruleSet}" over ${report.documents} document(s)${report.since ? ` since ${report.since}` : ''}: ${report.changed} would be owned differently.`,
  );
  if (report.documents === 0) {
    console.log('Nothing to replay: no document was recorded in that window.');
    return;
  }
  if (report.byScope.length) {
    console.log('');
    console.log(
      table(
        ['document type', 'company', 'site', 'documents', 'changed', 'moves'],
        report.byScope.map((line) => [
          line.documentType,
          line.company ?? '-',
          line.site ?? '-',
          line.documents,
          line.changed,
          Object.entries(line.moves)
            .map(([move, n]) => `${move}: ${n}`)
            .join('; '),
        ]),
      ),
    );
  }
  console.log('');
  if (report.splits.length) {
    console.log(
      `${report.splits.length} recorded document(s) belong to an open purchase order the proposed set would route elsewhere.`,
    );
    console.log(
      'Publishing moves none of them (a route is recorded once; children follow their order): `coexist rules migrate` moves open orders with their documents.',
    );
    console.log(
      table(
        ['document', 'owner now', 'purchase order', 'order under the proposed set'],
        report.splits.map((s) => [
          `${s.document.type} ${Object.values(s.document.key).join('/')}`,
          s.owner,
          s.parent.poNumber,
          s.parent.proposedOwner,
        ]),
      ),
    );
  } else {
    console.log(
      'No recorded document belongs to an open purchase order the proposed set would route elsewhere.',
    );
  }
  console.log('');
  console.log(
    report.unmatchedRules.length
      ? `Rules that would never match: ${report.unmatchedRules.join(', ')}.`
      : 'Every rule matches at least one document.',
  );
};
