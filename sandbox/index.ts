/** Execution of untrusted code: one module, one set of limits, for every stage that runs code. */
export { runSandboxed, startSandboxed, NONE_MODE_WARNING } from './run';
export {
  assertSandboxMode,
  INSTALL_HINT,
  sandboxAvailable,
  sandboxSupport,
  SandboxUnavailableError,
  type SandboxSupport,
} from './availability';
export { SANDBOX_WORKDIR } from './bwrapArgs';
export type { SandboxKillReason, SandboxMode, SandboxOptions, SandboxProcess, SandboxResult } from './types';
