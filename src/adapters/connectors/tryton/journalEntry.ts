/**
 * Journal entries → a posted `account.move` in the period of the posting date.
 * Tryton 6.0's moves have no reference field: the entry number opens the description
 * (`JE-2026-11-00412: November freight accrual`), which is how a retry finds it again.
 * Cost centres and projects have no home without Tryton's analytic modules: they are kept in
 * the line's description. Lines in a currency other than the company's are refused.
 */
import type { JournalEntryState } from '../../../domain/journalEntry/journalEntry.js';
import type { ErpAcknowledgement } from '../../../ports/erpConnector.js';
import { dec, tdate } from './rpc.js';
import { type Id, refusal, type TrytonSession } from './session.js';

interface TrytonMove {
  id: Id;
  number: string | null;
  post_number: string | null;
  state: 'draft' | 'posted';
  description: string | null;
}

const MOVE_FIELDS = ['number', 'post_number', 'state', 'description'];

/** The description a move for this entry carries. */
export const moveDescription = (entry: JournalEntryState): string =>
  entry.description ? `${entry.entryNumber}: ${entry.description}` : entry.entryNumber;

const likeEscaped = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export const findMove = async (
  s: TrytonSession,
  company: Id,
  entryNumber: string,
): Promise<TrytonMove | null> => {
  const [found] = await s.searchRead<TrytonMove>(
    company,
    'account.move',
    [
      ['company', '=', company],
      [
        'OR',
        ['description', '=', entryNumber],
        ['description', 'like', `${likeEscaped(entryNumber)}: %`],
      ],
    ],
    MOVE_FIELDS,
  );
  return found ?? null;
};

const lineDescription = (line: JournalEntryState['lines'][number]): string | undefined => {
  const parts = [
    line.description,
    line.costCenter && `cost centre ${line.costCenter}`,
    line.project && `project ${line.project}`,
    line.intercompany && `intercompany ${line.intercompany}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : undefined;
};

export const submitJournalEntry = async (
  s: TrytonSession,
  entry: JournalEntryState,
): Promise<ErpAcknowledgement> => {
  const cw = s.crosswalk;
  const company = cw.company(entry.company);
  let move = await findMove(s, company.id, entry.entryNumber);
  const alreadyDelivered = move?.state === 'posted';
  if (move === null) {
    const foreign = entry.lines.filter((line) => line.currency !== company.currency);
    if (foreign.length > 0) {
      throw refusal(
        'unsupported-currency',
        `Journal entry ${entry.company}/${entry.entryNumber} has lines in ${foreign[0]?.currency}; the Tryton connector posts only in the company currency ${company.currency}.`,
      );
    }
    const [period] = await s.search(company.id, 'account.period', [
      ['company', '=', company.id],
      ['type', '=', 'standard'],
      ['start_date', '<=', tdate(entry.postingDate)],
      ['end_date', '>=', tdate(entry.postingDate)],
    ]);
    if (period === undefined) {
      throw refusal(
        'no-period',
        `Tryton has no accounting period for ${entry.postingDate} in company ${entry.company}: create the fiscal year, then replay.`,
      );
    }
    const id = await s.create(company.id, 'account.move', {
      company: company.id,
      journal: cw.journal(entry.journal ?? s.defaults.journal),
      period,
      date: tdate(entry.postingDate),
      description: moveDescription(entry),
      lines: [
        [
          'create',
          entry.lines.map((line) => {
            const description = lineDescription(line);
            return {
              account: cw.account(entry.company, line.account),
              debit: dec(line.debit ?? '0'),
              credit: dec(line.credit ?? '0'),
              ...(description ? { description } : {}),
            };
          }),
        ],
      ],
    });
    move = await s.readOne<TrytonMove>(company.id, 'account.move', id, MOVE_FIELDS);
  }
  if (!move) throw refusal('tryton-state', `Tryton lost the move of ${entry.entryNumber}.`);
  if (move.state === 'draft') {
    await s.button(company.id, 'account.move', 'post', [move.id]);
    move = await s.readOne<TrytonMove>(company.id, 'account.move', move.id, MOVE_FIELDS);
  }
  if (move?.state !== 'posted') {
    throw refusal('tryton-state', `Tryton did not post the move of ${entry.entryNumber}.`);
  }
  return {
    reference: move.post_number ?? move.number ?? `account.move,${move.id}`,
    record: `account.move,${move.id}`,
    alreadyDelivered,
    details: { state: move.state, number: move.number },
  };
};
