"""The safetensors format written and read by hand with PyTorch alone (no `safetensors` package needed).

    save_file(tensors, path, metadata=None)   # like safetensors.torch.save_file
    load_file(path) -> dict[str, Tensor]      # like safetensors.torch.load_file
    load_file_with_metadata(path) -> (dict, metadata or None)

Layout: 8-byte little-endian u64 N, N bytes of UTF-8 JSON
{"__metadata__"?: {str: str}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}
padded with spaces to a multiple of 8, then the tensors' bytes, row-major little-endian, back to back.
The writer emits compact JSON in insertion order, byte for byte what wasmtorch's torch.save writes for the
same tensors. The reader checks what the format promises (and refuses duplicate keys) before creating tensors.
Tested with PyTorch 1.13 on a little-endian machine.
"""
import json
import sys

import torch

DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
    "BOOL": torch.bool,
}
CODES = {dtype: code for code, dtype in DTYPES.items()}
MAX_HEADER = 100_000_000

assert sys.byteorder == "little", "this reader/writer assumes a little-endian machine"


def _raw_bytes(t):
    flat = t.detach().contiguous().reshape(-1)
    if flat.numel() == 0:
        return b""
    return flat.view(torch.uint8).numpy().tobytes()


def save_file(tensors, path, metadata=None):
    header, chunks, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        if t.dtype not in CODES:
            raise ValueError(f"save_file: tensor {name!r} has dtype {t.dtype}, which this writer does not handle")
        data = _raw_bytes(t.cpu())
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"safetensors header: duplicate key {k!r}")
        out[k] = v
    return out


def load_file_with_metadata(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: {len(blob)} bytes, too short for a safetensors file")
    n = int.from_bytes(blob[:8], "little")
    if n > MAX_HEADER or 8 + n > len(blob):
        raise ValueError(f"{path}: header length {n} is too large for a file of {len(blob)} bytes")
    header = json.loads(blob[8:8 + n].decode("utf-8"), object_pairs_hook=_no_duplicates)
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the header is not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise ValueError(f"{path}: __metadata__ must map strings to strings")
    data = bytearray(blob[8 + n:])
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError(f"{path}: tensor {name!r}: expected exactly dtype, shape and data_offsets")
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name!r}: unknown dtype {info['dtype']!r}")
        shape, (begin, end) = info["shape"], info["data_offsets"]
        if not all(isinstance(d, int) and d >= 0 for d in shape):
            raise ValueError(f"{path}: tensor {name!r}: bad shape {shape}")
        numel = 1
        for d in shape:
            numel *= d
        dtype = DTYPES[info["dtype"]]
        if end - begin != numel * torch.empty((), dtype=dtype).element_size():
            raise ValueError(f"{path}: tensor {name!r}: data_offsets {begin, end} do not fit shape {shape}")
        entries.append((begin, end, name, dtype, shape))
    cursor = 0
    for begin, end, name, _, _ in sorted(entries):
        if begin != cursor:
            raise ValueError(f"{path}: tensor {name!r}: data_offsets are not back to back (expected {cursor}, got {begin})")
        cursor = end
    if cursor != len(data):
        raise ValueError(f"{path}: tensors cover {cursor} bytes of a {len(data)}-byte data section")
    tensors = {}
    for begin, end, name, dtype, shape in entries:
        if end == begin:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(data, dtype=dtype, offset=begin, count=(end - begin) // torch.empty((), dtype=dtype).element_size()).reshape(shape).clone()
    return tensors, metadata


def load_file(path):
    return load_file_with_metadata(path)[0]
