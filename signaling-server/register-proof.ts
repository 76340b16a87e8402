import { checkRegisterProof } from '../shared/identity/index.js';
import type { RegisterMessage } from '../shared/signaling/messages.js';

/** Why a register does not prove its id; `fatal` when the proof is wrong rather than missing. */
export interface ProofProblem {
  field: string;
  message: string;
  fatal: boolean;
}

/**
 * Whether `m` proves its id: a public key whose SHA-1 is the id and a signature of this socket's
 * challenge `nonce`. Undefined when it does.
 */
export function registerProofProblem(nonce: string, m: RegisterMessage): ProofProblem | undefined {
  const { publicKey, signature } = m;
  if (publicKey === undefined || signature === undefined) {
    const missing = publicKey === undefined ? 'publicKey' : 'signature';
    return {
      field: missing,
      message: `${missing}: is required: prove peerId with its public key and a signature of this socket's challenge`,
      fatal: false,
    };
  }
  const problem = checkRegisterProof(m.peerId, nonce, { publicKey, signature });
  if (problem === undefined) return undefined;
  return { field: problem.field, message: `${problem.field}: ${problem.reason}`, fatal: true };
}
