/**
 * Encoding a CSV file of any size for scoring: records stream in, and every few thousand of them
 * come out as a block of encoded features (and labels), with each record's original bytes when
 * asked, so a caller can score them and write the rows out before the next block is read. Memory is
 * one block, whatever the file size. The data layer stops at features: scoring is the caller's.
 */

import type { Advice } from './advice.js';
import { type ScanProgress, scanCsvFile } from './csv-scan.js';
import type { RowEncoder, UnseenValues } from './encode.js';
import { DataError } from './errors.js';
import type { LabelEncoder } from './label.js';
import { checkOptions, DATA_OPTIONS } from './options.js';
import type { Preprocessor } from './preprocess.js';

export interface EncodedBlock {
  /** rows x features, row-major. Valid until the handler returns (the buffer is reused). */
  x: Float32Array;
  /** The labels when the caller asked for them (0/1, class index, or the number). */
  y: Float64Array | null;
  rows: number;
  /** Index of the block's first record among all data records. */
  firstRow: number;
  /** Record j of the block as it was in the file (without its line end); needs `keepRecords`. */
  record(j: number): Uint8Array;
}

export interface EncodeFileOptions {
  delimiter?: string;
  encoding?: 'utf8' | 'latin1';
  /** 'require': the label column must be there (evaluation); 'ignore': never read it. */
  labels: 'require' | 'ignore';
  /** Keep each record's bytes for `record(j)` (prediction output). */
  keepRecords?: boolean;
  /** A category unseen in training is an error (else it encodes as zeros and is counted). */
  strict?: boolean;
  advice?: Advice;
  onProgress?: (progress: ScanProgress) => void;
}

export interface EncodeFileHandlers {
  /** Once, before the first block: the header as read and as its bytes, and the delimiter. */
  start?(info: {
    header: readonly string[];
    headerBytes: Uint8Array;
    delimiter: string;
  }): Promise<void> | void;
  block(block: EncodedBlock): Promise<void> | void;
}

/** Streams `path` through the preprocessor in blocks; returns the number of data records. */
export async function encodeCsvFile(
  path: string,
  preprocessor: Preprocessor,
  options: EncodeFileOptions,
  handlers: EncodeFileHandlers,
): Promise<{ rows: number; delimiter: string; unseen: UnseenValues[] }> {
  checkOptions('encodeCsvFile', options, DATA_OPTIONS.encodeFile);
  let encoder: RowEncoder | null = null;
  let labels: LabelEncoder | null = null;
  let started: { header: readonly string[]; headerBytes: Uint8Array; delimiter: string } | null = null;
  let begun = false;
  const features = preprocessor.numFeatures;
  let capacity = 4096;
  let x = new Float32Array(capacity * features);
  let y = options.labels === 'require' ? new Float64Array(capacity) : null;
  let rows = 0;
  let firstRow = 0;
  let bytes = Buffer.alloc(options.keepRecords ? 1 << 20 : 0);
  let used = 0;
  let offsets = new Int32Array(capacity + 1);

  const grow = () => {
    capacity *= 2;
    const nx = new Float32Array(capacity * features);
    nx.set(x);
    x = nx;
    if (y) {
      const ny = new Float64Array(capacity);
      ny.set(y);
      y = ny;
    }
    const no = new Int32Array(capacity + 1);
    no.set(offsets);
    offsets = no;
  };

  const flush = async () => {
    if (!begun && started) {
      begun = true;
      await handlers.start?.(started);
    }
    if (rows === 0) return;
    const view = offsets;
    const kept = bytes;
    await handlers.block({
      x: x.subarray(0, rows * features),
      y: y ? y.subarray(0, rows) : null,
      rows,
      firstRow,
      record: (j) => kept.subarray(view[j], view[j + 1]),
    });
    firstRow += rows;
    x.fill(0, 0, rows * features);
    rows = 0;
    used = 0;
  };

  const result = await scanCsvFile(
    path,
    {
      delimiter: options.delimiter,
      encoding: options.encoding,
      advice: options.advice,
      onProgress: options.onProgress,
      afterChunk: flush,
    },
    (header, scanner) => {
      encoder = preprocessor.encoder(header, `${path}: `, { strict: options.strict, advice: options.advice });
      if (options.labels === 'require') {
        labels = preprocessor.labelEncoder(header);
        if (labels === null) {
          const column = preprocessor.label?.column ?? '(none: the model was saved without a label)';
          throw new DataError(
            `${path} has no label column '${column}', so there is nothing to evaluate against; use 'predict'`,
            { column },
          );
        }
      }
      started = {
        header,
        headerBytes: Buffer.from(scanner.bytes.subarray(scanner.recordStart, scanner.recordEnd)),
        delimiter: scanner.delimiter!,
      };
    },
    (r) => {
      if (rows === capacity) grow();
      encoder!.encode(r, x, rows);
      if (y) y[rows] = labels!.value(r);
      if (options.keepRecords) {
        const length = r.recordEnd - r.recordStart;
        if (used + length > bytes.length) {
          const nb = Buffer.alloc(Math.max(bytes.length * 2, used + length));
          bytes.copy(nb, 0, 0, used);
          bytes = nb;
        }
        r.bytes.copy(bytes, used, r.recordStart, r.recordEnd);
        offsets[rows] = used;
        used += length;
        offsets[rows + 1] = used;
      }
      rows++;
    },
  );
  await flush();
  return {
    rows: result.rows,
    delimiter: result.delimiter,
    unseen: (encoder as RowEncoder | null)?.unseen() ?? [],
  };
}
