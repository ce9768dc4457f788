// Public surface of backend/data: dataset records, the registry of built-in datasets, the importer and
// the synthetic curriculum.
export { DatasetError, type DatasetRecord } from './record.js';
export { importDataset, type ImportOptions, type ImportResult } from './importer.js';
export { readRows, type RowFormat } from './read-rows.js';
export {
  BUILTIN_DATASETS,
  BENCHMARK_NAMES,
  DATASET_NAMES,
  DATASETS_DIR,
  loadDataset,
  type LoadedDataset,
} from './registry.js';
export {
  generateSynthetic,
  problemSpaceSize,
  splitSpaceSize,
  splitOf,
  splitFraction,
  SPLITS,
  type Split,
  DEFAULT_LEVELS,
  FAMILIES,
  type Family,
  type SyntheticOptions,
  type SyntheticProblem,
} from './synthetic.js';
export { nearMisses, isNearMiss, oneDigitAway } from './near-miss.js';
