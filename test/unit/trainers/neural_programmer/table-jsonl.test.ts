import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/backend/index.js';
import { ANY_DATA_DIR, dataRootPolicy } from '../../../../src/data/index.js';
import { parseTableJsonl } from '../../../../src/data/tasks/index.js';
import { createInnerOptimizer, createNoisyOptimizer } from '../../../../src/optim/index.js';
import {
  NEURAL_PROGRAMMER_DEFAULTS,
  NeuralProgrammerSession,
  neuralProgrammerTrainer,
} from '../../../../src/trainers/neural_programmer/index.js';
import { context, readMetric } from '../helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const layout = { columns: 1, textColumns: 1, rows: 4 };
const columns = [
  { name: 'alpha', values: [3, -1, 7] },
  { name: 'colour', values: ['red', 'blue', 'red'] },
];
const line = (fields: Record<string, unknown>) => JSON.stringify({ split: 'train', columns, ...fields });
const good = [
  line({ question: 'sum of alpha where colour is red', answer: 10 }),
  '',
  line({
    split: 'test',
    question: 'show alpha where alpha greater than 0',
    answer: {
      cells: [
        [0, 0],
        [2, 0],
      ],
    },
  }),
].join('\n');

describe('neural_programmer tables from a JSON Lines file', () => {
  it('parses scalar and lookup questions into their splits', () => {
    const file = parseTableJsonl(good, 'q.jsonl', layout);
    expect(file.train).toHaveLength(1);
    expect(file.validation).toHaveLength(0);
    expect(file.test[0]).toMatchObject({
      question: ['show', 'alpha', 'where', 'alpha', 'greater', 'than', '0'],
      answer: {
        kind: 'lookup',
        cells: [
          [0, 0],
          [2, 0],
        ],
      },
    });
    expect(file.train[0]?.table.columns.map((c) => c.kind)).toEqual(['number', 'text']);
  });

  it.each([
    ['{"split": "train",', 'q.jsonl:3: got "{\\"split\\": \\"train\\","; allowed: a JSON object'],
    [
      line({ split: 'dev', question: 'x', answer: 1 }),
      'q.jsonl:3 split: got "dev"; allowed: train, validation, test',
    ],
    [line({ question: '', answer: 1 }), 'q.jsonl:3 question: got ""'],
    [line({ question: 'x', answer: 'ten' }), 'q.jsonl:3 answer: got "ten"'],
    [
      line({ question: 'x', answer: { cells: [[3, 0]] } }),
      'q.jsonl:3 answer.cells[0]: got [3,0]; allowed: [row, column] inside the 3×2 table',
    ],
    [
      line({ columns: [{ name: 'a', values: [1, 'x'] }, columns[1]], question: 'x', answer: 1 }),
      'q.jsonl:3 columns[0].values: got [1,"x"]; allowed: all integers or all single words',
    ],
    [
      line({ columns: [columns[0], { name: 'b', values: ['x'] }], question: 'x', answer: 1 }),
      'q.jsonl:3 columns[1].values: got 1; allowed: 3 values, as the first column has',
    ],
    [
      line({ columns: [columns[1], columns[0]], question: 'x', answer: 1 }),
      'q.jsonl:3 columns: got "text,number"',
    ],
  ])('names the line and key of a bad line: %s', (bad, message) => {
    expect(() => parseTableJsonl(`${good.split('\n')[0]}\n\n${bad}`, 'q.jsonl', layout)).toThrow(message);
  });

  it('trains and evaluates on the file, read under the data roots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-jsonl-'));
    const path = join(dir, 'q.jsonl');
    writeFileSync(path, good);
    const config = neuralProgrammerTrainer.compile({
      ...NEURAL_PROGRAMMER_DEFAULTS,
      columns: 1,
      textColumn: true,
      rows: 4,
      hiddenSize: 8,
      batchSize: 1,
      dataFile: path,
    });
    expect(neuralProgrammerTrainer.stepsPerEpoch(config, ANY_DATA_DIR)).toBe(1);
    await expect(
      neuralProgrammerTrainer.preflight?.(config, dataRootPolicy(['/nowhere'], 'test')),
    ).rejects.toThrow(`dataFile: got "${path}"; allowed: a directory in /nowhere`);
    const optimizer = createNoisyOptimizer(createInnerOptimizer({ kind: 'adam', learningRate: 1e-3 }), {
      eta: 0,
      seed: 1,
    });
    const session = new NeuralProgrammerSession(config, context(1, optimizer));
    expect(session.splits.train).toHaveLength(1);
    expect(Number.isFinite(readMetric(session.trainStep(0).loss))).toBe(true);
    expect(Object.keys(await session.evaluate(1)).sort()).toEqual([
      'test_accuracy',
      'train_accuracy',
      'validation_accuracy',
    ]);
    session.dispose();
    optimizer.dispose();
  });
});
