/**
 * The REST cloud-ERP connector: one class for every vendor, driven by a vendor profile
 * (erp-profiles/<vendor>/profile.yaml, see ./profile.ts) and a connector file (./config.ts).
 * It routes a delivery to the profile's operation, runs it (./operation.ts) and turns every
 * failure into the port's `ErpError`. A record changed under it (HTTP 412 on an `If-Match`) makes
 * it run the operation once more from fresh reads; a second conflict is transient.
 *
 * Pacing, two ways: the dispatcher's per-delivery `budget` (second argument of `deliver`, the
 * port's `RequestBudget` on the delivery branch) runs every request, token requests included,
 * and is paused by an ERP's Retry-After; and `beforeRequest`, when given, is awaited before
 * every API request and may return a release called when the answer came. `quota` is the
 * vendor's published limit from the profile.
 */
import type {
  ErpConnector,
  ErpDelivery,
  ErpDocumentType,
  ErpResult,
} from '../../../ports/erpConnector.js';
import { permanent, transient } from '../../../ports/erpConnector.js';
import type { RestConnectorConfig } from './config.js';
import { RestCrosswalkFile } from './crosswalk.js';
import { RestError, StaleRecord } from './errors.js';
import { type RequestMeter, RestHttp } from './http.js';
import { type OperationContext, runOperation } from './operation.js';
import { loadProfile, type Quota, type VendorProfile } from './profile.js';

export interface RestConnectorOptions {
  /**
   * Awaited before each API request. When it resolves to a function, that function is called
   * once the request's answer came (or it failed): a concurrency limiter's release.
   */
  beforeRequest?: () => Promise<unknown>;
  /** A profile already loaded (tests); by default the one `config.profileDir` holds. */
  profile?: VendorProfile;
}

export class RestConnector implements ErpConnector {
  readonly target: string;
  /** Every request runs through the delivery's `budget` when the dispatcher gives one. */
  readonly metersRequests = true;
  readonly profile: VendorProfile;
  private readonly http: RestHttp;
  private readonly crosswalk: RestCrosswalkFile;

  constructor(config: RestConnectorConfig, options: RestConnectorOptions = {}) {
    this.target = config.target;
    this.profile = options.profile ?? loadProfile(config.profileDir);
    const scope = config.scope ?? this.profile.scope;
    this.http = new RestHttp(
      {
        baseUrl: config.baseUrl,
        tokenUrl: config.tokenUrl,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        timeoutMs: config.timeoutMs,
        ...(scope ? { scope } : {}),
        ...(options.beforeRequest ? { beforeRequest: options.beforeRequest } : {}),
      },
      this.profile,
    );
    this.crosswalk = new RestCrosswalkFile(config.crosswalkFile, config.target);
  }

  /** The vendor's published limits (requests per window, at once), when the profile says. */
  get quota(): Quota | undefined {
    return this.profile.quota;
  }

  /** Tokens fetched from the identity provider so far. */
  get tokensFetched(): number {
    return this.http.tokensFetched;
  }

  supports(document: ErpDocumentType, action: ErpDelivery['action']): boolean {
    const entry = this.profile.documents[document];
    return entry !== undefined && 'operations' in entry && entry.operations[action] !== undefined;
  }

  async deliver(delivery: ErpDelivery, dispatch?: { budget?: RequestMeter }): Promise<ErpResult> {
    const entry = this.profile.documents[delivery.document];
    if (entry && 'unsupported' in entry) {
      return permanent('not-supported-by-profile', entry.unsupported);
    }
    const operation = entry?.operations[delivery.action];
    if (!operation) {
      return permanent(
        'not-supported-by-profile',
        `The ${this.profile.name} profile does not ${delivery.action} ${delivery.document} documents.`,
      );
    }
    try {
      const context: OperationContext = {
        http: this.http,
        profile: this.profile,
        crosswalk: this.crosswalk.current(),
        target: this.target,
        delivery,
        ...(dispatch?.budget ? { meter: dispatch.budget } : {}),
      };
      for (let run = 1; ; run++) {
        try {
          return { ok: true, acknowledgement: await runOperation(context, operation) };
        } catch (error) {
          if (!(error instanceof StaleRecord) || run === 2) throw error;
        }
      }
    } catch (error) {
      if (error instanceof RestError) return { ok: false, error: error.erpError };
      if (error instanceof StaleRecord) {
        return transient('erp-record-changed', `${error.message}, twice in a row.`);
      }
      // A bug here is not fixed by retrying: dead-letter it, visibly, for a replay after the fix.
      return permanent(
        'connector-failure',
        `The REST connector (${this.profile.name}) failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
