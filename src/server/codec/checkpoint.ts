import type { GetCheckpointResponse } from '../../generated/proto/gradnoise/v1/GetCheckpointResponse.js';
import type { ListCheckpointsResponse } from '../../generated/proto/gradnoise/v1/ListCheckpointsResponse.js';
import type { TensorInfo } from '../../generated/proto/gradnoise/v1/TensorInfo.js';
import type { CheckpointChunk } from '../../runs/index.js';
import type { CheckpointMeta, CheckpointSummary, Page } from '../../store/types.js';
import { timestamp } from './run.js';

/** The first message of a GetCheckpoint stream: the checkpoint's metadata and tensor index, no data. */
export function encodeCheckpointMeta(meta: CheckpointMeta): GetCheckpointResponse {
  return {
    step: meta.step,
    sizeBytes: meta.sizeBytes,
    sha256: meta.sha256,
    format: meta.format,
    tensors: tensorIndex(meta.index),
    data: Buffer.alloc(0),
    offset: 0,
  };
}

/** ListCheckpoints' answer: one page of a run's checkpoints, metadata only. */
export function encodeCheckpointList(page: Page<CheckpointSummary>): ListCheckpointsResponse {
  return {
    checkpoints: page.items.map((c) => ({
      step: c.step,
      sizeBytes: c.sizeBytes,
      sha256: c.sha256,
      format: c.format,
      createdAt: timestamp(c.createdAt),
    })),
    nextPageToken: page.nextPageToken,
  };
}

/** A later message: one chunk of the file (a view of its bytes, not a copy). */
export function encodeCheckpointChunk(step: number, chunk: CheckpointChunk): GetCheckpointResponse {
  const { data, offset } = chunk;
  return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), offset, step };
}

/** The safetensors header (name → {dtype, shape, data_offsets}) as TensorInfo messages, in file order. */
function tensorIndex(index: Readonly<Record<string, unknown>>): TensorInfo[] {
  const out: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(index)) {
    if (name === '__metadata__' || typeof entry !== 'object' || entry === null) continue;
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    out.push({
      name,
      dtype: e.dtype ?? '',
      shape: e.shape ?? [],
      begin: e.data_offsets?.[0] ?? 0,
      end: e.data_offsets?.[1] ?? 0,
    });
  }
  return out.sort((a, b) => Number(a.begin) - Number(b.begin));
}
