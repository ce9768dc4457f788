// Public surface of backend/math: answer extraction, normalisation, equivalence and grading.
export { extractAnswer, type Extraction, type ExtractOptions } from './extract-answer.js';
export { normalize } from './normalize.js';
export { isEquivalentCheap, DEFAULT_OPTIONS, type Equivalence, type EquivalenceOptions } from './options.js';
export { isEquivalentSync } from './equivalent-sync.js';
export {
  isEquivalent,
  grade,
  gradeSync,
  type GradeResult,
  type GradeOptions,
  type Verdict,
} from './grade.js';
export { parse } from './parse.js';
export { verify } from './verify.js';
export { CasPool, sharedCasPool, closeSharedCasPool } from './cas-pool.js';
export type { Method } from './equivalence.js';
