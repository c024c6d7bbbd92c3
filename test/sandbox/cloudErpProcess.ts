/**
 * The cloud-ERP sandbox as tests use it: a separate process (`coexist sandbox cloud-erp
 * --port 0`), a real HTTP server on loopback, with helpers to read what it holds and saw and
 * to change its faults while it runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RestConnectorConfig } from '../../src/adapters/connectors/rest/config.js';
import { loadRestConnectorConfig } from '../../src/adapters/connectors/rest/config.js';
import type { ErpDelivery } from '../../src/ports/erpConnector.js';
import { root } from '../support/process.js';

export interface Inspection {
  counts: Record<string, number>;
  duplicates: Record<string, Record<string, number>>;
  documents: {
    purchaseOrders: Array<
      Record<string, unknown> & {
        number: string;
        purchaseOrderLines: Array<Record<string, unknown>>;
      }
    >;
    purchaseOrdersDeleted: Array<{ number: string }>;
    purchaseInvoices: Array<
      Record<string, unknown> & { vendorInvoiceNumber: string; status: string }
    >;
    journalPostings: Array<{ documentNumber: string; lines: number }>;
    generalLedgerEntries: Array<Record<string, unknown> & { documentNumber: string }>;
  };
  quota: {
    maxRequestsInAnyWindow: number;
    maxConcurrent: number;
    throttled: number;
    served: number;
    limits: { requests: number; windowMs: number; concurrency: number };
  };
  requests: {
    requests: number;
    tokensIssued: number;
    unauthorized: number;
    injected5xx: number;
    injectedAfterWrite: number;
    byRoute: Record<string, number>;
  };
}

export interface SandboxProcess {
  child: ChildProcess;
  url: string;
  /** The connector file the sandbox wrote (`--connector-file`). */
  connectorFile: string;
  connectorConfig(): RestConnectorConfig;
  output(): string;
  inspect(): Promise<Inspection>;
  setFaults(faults: object): Promise<Response>;
  revokeTokens(): Promise<void>;
  stop(): Promise<void>;
}

export const startSandboxProcess = async (faults = ''): Promise<SandboxProcess> => {
  const dir = mkdtempSync(join(tmpdir(), 'coexist-cloud-sandbox-'));
  const connectorFile = join(dir, 'connector.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'sandbox',
      'cloud-erp',
      '--port',
      '0',
      '--connector-file',
      connectorFile,
      ...(faults ? ['--faults', faults] : []),
    ],
    { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && output.includes('connector file')) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code}):\n${output}`)));
  });
  return {
    child,
    url,
    connectorFile,
    connectorConfig: () => loadRestConnectorConfig(connectorFile),
    output: () => output,
    inspect: async () => (await (await fetch(`${url}/sandbox/inspect`)).json()) as Inspection,
    setFaults: (patch) =>
      fetch(`${url}/sandbox/admin/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(patch),
      }),
    revokeTokens: async () => {
      await fetch(`${url}/sandbox/admin/revoke-tokens`, { method: 'POST' });
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** How many records the sandbox holds under a delivery's business key. */
export const countInSandbox = (inspection: Inspection, delivery: ErpDelivery): number => {
  const { documents } = inspection;
  switch (delivery.document) {
    case 'purchaseOrder':
      return documents.purchaseOrders.filter((po) => po.number === delivery.key.poNumber).length;
    case 'supplierInvoice':
      return documents.purchaseInvoices.filter(
        (invoice) => invoice.vendorInvoiceNumber === delivery.key.invoiceNumber,
      ).length;
    case 'journalEntry':
      return documents.journalPostings.filter(
        (posting) => posting.documentNumber === delivery.key.entryNumber,
      ).length;
    default:
      return 0;
  }
};
