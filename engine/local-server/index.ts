/** A local Anthropic-compatible server for tests, benchmarks and demos; see server.ts. */
export { startLocalServer } from './server.js';
export { signThinking } from './sse.js';
export { echoResponder } from './responders.js';
export type {
  Fault,
  FaultKind,
  LocalServer,
  LocalServerOptions,
  RecordedRequest,
  Responder,
  Scripted,
  ScriptedBlock,
  ScriptedReply,
} from './types.js';
