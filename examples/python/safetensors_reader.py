"""A small, dependency-light reader of the safetensors format (https://github.com/huggingface/safetensors).

Layout: 8-byte little-endian header length N, N bytes of JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the data
section. Offsets are relative to the start of the data section. Uses numpy when available.
"""

import json
import struct

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}


def read_header(data: bytes):
    if len(data) < 8:
        raise ValueError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"header length {n} runs past the end of the file ({len(data)} bytes)")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    return header, metadata, 8 + n


def load(data: bytes):
    """Returns (tensors, metadata): tensors maps name -> numpy array (or (dtype, shape, bytes) without numpy)."""
    header, metadata, start = read_header(data)
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is optional
        np = None
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = data[start + begin : start + end]
        if np is not None and info["dtype"] in _DTYPES:
            tensors[name] = np.frombuffer(raw, dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
        else:
            tensors[name] = (info["dtype"], tuple(info["shape"]), raw)
    return tensors, metadata
