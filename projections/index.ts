/** Every read model the projector keeps, by name. */
import type { Projection } from '../src/ports/readModelStore.js';
import { deliveries } from './deliveries/deliveries.js';
import { documentStates } from './documentStates/documentStates.js';
import { documents } from './documents/documents.js';
import { eventIndex } from './eventIndex/eventIndex.js';
import { generalLedger } from './generalLedger/generalLedger.js';
import { heldInvoices } from './heldInvoices/heldInvoices.js';
import { routingCoverage } from './routingCoverage/routingCoverage.js';

export const projections: readonly Projection[] = [
  documents,
  documentStates,
  eventIndex,
  routingCoverage,
  deliveries,
  generalLedger,
  heldInvoices,
];

export const projectionNamed = (name: string): Projection | undefined =>
  projections.find((projection) => projection.name === name);
