/**
 * The sandbox's general ledger, per company: journals with their lines, and the G/L entries a
 * posted journal leaves. It stands apart from the purchase documents (ledger.ts, which builds
 * on it) because a journal posts without any order or invoice: its own records, its own
 * rule (each document balances), its own views.
 */
import { BcError, badRequest, missingRelated, notFound } from './errors.js';
import { KeyIndex } from './keyIndex.js';
import { accounts } from './masterData.js';
import { date, etagOf, newRecord, num, text, touch, type Versioned, writable } from './records.js';

export interface JournalLine extends Versioned {
  lineNumber: number;
  accountType: string;
  accountNumber: string;
  postingDate: string;
  documentNumber: string;
  externalDocumentNumber: string;
  amount: number;
  description: string;
}

export interface Journal extends Versioned {
  company: string;
  code: string;
  displayName: string;
  lines: JournalLine[];
}

export interface GlEntry {
  id: string;
  entryNumber: number;
  company: string;
  postingDate: string;
  documentNumber: string;
  externalDocumentNumber: string;
  accountNumber: string;
  description: string;
  debitAmount: number;
  creditAmount: number;
}

const journalLineFields = [
  'lineNumber',
  'accountType',
  'accountNumber',
  'postingDate',
  'documentNumber',
  'externalDocumentNumber',
  'amount',
  'description',
];

export class GeneralLedger {
  readonly journals = new Map<string, Journal>();
  readonly glEntries: GlEntry[] = [];
  /** By `code` and `documentNumber` (neither changes once set). */
  readonly journalsByCode = new KeyIndex<Journal>();
  readonly glEntriesByDocumentNumber = new KeyIndex<GlEntry>();
  /** Each journal document posted, once per posting: a document posted twice shows twice. */
  readonly journalPostings: Array<{ company: string; documentNumber: string; lines: number }> = [];

  createJournal(company: string, body: unknown): Journal {
    const fields = writable(body, ['code', 'displayName'], 'journal');
    const code = text(fields, 'code');
    if (!code || code.length > 10) throw badRequest('code must have 1 to 10 characters.');
    if (this.journalsByCode.get(company, code).length > 0) {
      throw new BcError(
        400,
        'Internal_EntityWithSameKeyExists',
        `The record in table Gen. Journal Batch already exists. Name='${code}'`,
      );
    }
    const journal: Journal = {
      ...newRecord(),
      company,
      code,
      displayName: text(fields, 'displayName'),
      lines: [],
    };
    this.journals.set(journal.id, journal);
    this.journalsByCode.add(company, code, journal);
    return journal;
  }

  deleteJournal(journal: Journal) {
    this.journals.delete(journal.id);
    this.journalsByCode.remove(journal.company, journal.code, journal);
  }

  addJournalLine(journal: Journal, body: unknown): JournalLine {
    const fields = writable(body, journalLineFields, 'journalLine');
    const accountNumber = text(fields, 'accountNumber');
    if (!Object.hasOwn(accounts, accountNumber)) {
      throw missingRelated('Account No.', 'Gen. Journal Line', accountNumber, 'G/L Account');
    }
    const line: JournalLine = {
      ...newRecord(),
      lineNumber: num(fields, 'lineNumber', (journal.lines.length + 1) * 10000),
      accountType: text(fields, 'accountType', 'G/L Account'),
      accountNumber,
      postingDate: date(fields, 'postingDate'),
      documentNumber: text(fields, 'documentNumber'),
      externalDocumentNumber: text(fields, 'externalDocumentNumber'),
      amount: num(fields, 'amount'),
      description: text(fields, 'description'),
    };
    if (journal.lines.some((other) => other.lineNumber === line.lineNumber)) {
      throw new BcError(
        400,
        'Internal_EntityWithSameKeyExists',
        `The record in table Gen. Journal Line already exists. Line No.='${line.lineNumber}'`,
      );
    }
    journal.lines.push(line);
    touch(journal);
    return line;
  }

  /** Posts every line of the journal: each document must balance, as BC requires. */
  postJournal(journal: Journal) {
    if (journal.lines.length === 0) throw badRequest('There is nothing to post.');
    const balance = new Map<string, number>();
    for (const line of journal.lines) {
      balance.set(line.documentNumber, (balance.get(line.documentNumber) ?? 0) + line.amount * 100);
    }
    for (const [documentNumber, cents] of balance) {
      if (Math.round(cents) !== 0) {
        throw badRequest(
          `Document No. ${documentNumber} is out of balance by ${(Math.round(cents) / 100).toFixed(2)}. Please check that Posting Date, Document Type, Document No. are correct for each line.`,
        );
      }
    }
    for (const documentNumber of balance.keys()) {
      this.journalPostings.push({
        company: journal.company,
        documentNumber,
        lines: journal.lines.filter((line) => line.documentNumber === documentNumber).length,
      });
    }
    for (const line of journal.lines) {
      const entry: GlEntry = {
        id: line.id,
        entryNumber: this.glEntries.length + 1,
        company: journal.company,
        postingDate: line.postingDate,
        documentNumber: line.documentNumber,
        externalDocumentNumber: line.externalDocumentNumber,
        accountNumber: line.accountNumber,
        description: line.description,
        debitAmount: line.amount > 0 ? line.amount : 0,
        creditAmount: line.amount < 0 ? -line.amount : 0,
      };
      this.glEntries.push(entry);
      this.glEntriesByDocumentNumber.add(journal.company, entry.documentNumber, entry);
    }
    journal.lines = [];
    touch(journal);
  }

  journalView(journal: Journal) {
    return {
      '@odata.etag': etagOf(journal),
      id: journal.id,
      code: journal.code,
      displayName: journal.displayName,
      lastModifiedDateTime: journal.lastModifiedDateTime,
    };
  }

  journalLineView(journal: Journal, line: JournalLine) {
    const { version: _v, ...fields } = line;
    return {
      '@odata.etag': etagOf(line),
      ...fields,
      journalId: journal.id,
      journalDisplayName: journal.code,
    };
  }

  /** A company's record by id, from any of the ledger's maps: another company's is not found. */
  find<T extends Versioned>(
    map: Map<string, T & { company: string }>,
    company: string,
    id: string,
  ) {
    const found = map.get(id);
    if (!found || found.company !== company) throw notFound('record');
    return found;
  }
}
