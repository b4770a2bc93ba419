import { type RunStreams, Stream } from '../../core/index.js';
import type { DataRootPolicy } from '../../data/index.js';
import {
  readTableJsonl,
  type TableLayout,
  type TableQuestion,
  type TableTaskOptions,
  tableExamples,
} from '../../data/tasks/index.js';
import { minRows, type NeuralProgrammerConfig } from './config.js';

/** The data sets of a session: training, validation (training range) and test (twice the range). */
export interface TableSplits {
  readonly train: readonly TableQuestion[];
  readonly validation: readonly TableQuestion[];
  readonly test: readonly TableQuestion[];
}

/** The generator's options for `config`; `test` doubles the value range (paper §4.3). */
export function taskOptions(config: NeuralProgrammerConfig, test = false): TableTaskOptions {
  return {
    columns: config.columns,
    textColumn: config.textColumn,
    minRows: minRows(config),
    maxRows: config.rows,
    maxValue: test ? 2 * config.maxValue : config.maxValue,
    templates: config.templates,
  };
}

/** The table layout the model of `config` reads. */
export function tableLayout(config: NeuralProgrammerConfig): TableLayout {
  return { columns: config.columns, textColumns: config.textColumn ? 1 : 0, rows: config.rows };
}

/**
 * The sets of `config`: read from `dataFile` under `dataRoots` when it is set, else generated,
 * training from stream `(syntheticData, 0)`, validation `(dataSplit, 1)`, test `(dataSplit, 2)`.
 */
export function tableSplits(
  config: NeuralProgrammerConfig,
  streams: RunStreams,
  dataRoots: DataRootPolicy,
): TableSplits {
  if (config.dataFile !== undefined) {
    return readTableJsonl(dataRoots, 'dataFile', config.dataFile, tableLayout(config));
  }
  return {
    train: tableExamples(taskOptions(config), config.datasetSize, streams.stream(Stream.syntheticData, 0)),
    validation: tableExamples(taskOptions(config), config.evalSize, streams.stream(Stream.dataSplit, 1)),
    test: tableExamples(taskOptions(config, true), config.evalSize, streams.stream(Stream.dataSplit, 2)),
  };
}

/** Training questions of `config`: `datasetSize`, or the count of a data file's train lines. */
export function trainingQuestions(config: NeuralProgrammerConfig, dataRoots: DataRootPolicy): number {
  if (config.dataFile === undefined) return config.datasetSize;
  return readTableJsonl(dataRoots, 'dataFile', config.dataFile, tableLayout(config)).train.length;
}
