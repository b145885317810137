/**
 * The embedded broker (mosca, in-process) for specs: the same one the demo starts, kept in
 * samples/ so that samples depend on nothing under spec/.
 */
export { startEmbeddedBroker } from '../../samples/embeddedBroker';
export type { EmbeddedBroker } from '../../samples/embeddedBroker';
