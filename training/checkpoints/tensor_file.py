"""The safetensors format written one tensor at a time, straight from the tensors' memory.

`safetensors.torch.save` builds the whole file in memory, and copies every tensor into bytes
on the way: a save then needs twice the size of the weights and optimizer state beside the
run, which is what sends a large model out of memory while it saves. Here the header is
computed from shapes alone and each tensor's bytes go to the file from the tensor itself, so
a save needs no memory beyond one tensor (and only on a GPU, where it is copied to the host).

The layout is the format's own: 8 bytes of little-endian header length, the JSON header
(padded with spaces to a multiple of 8), then the tensors' bytes back to back. Files written
here are read by `safetensors.safe_open` like any other.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator, Mapping
from typing import BinaryIO

import torch
from torch import Tensor

_DTYPE_NAMES = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def tensor_bytes(tensor: Tensor) -> memoryview:
    """A tensor's bytes as they lie in host memory: no copy for a contiguous CPU tensor."""
    host = tensor.detach().to("cpu").contiguous()
    return host.reshape(-1).view(torch.uint8).numpy().data


def host_bytes(tensors: Mapping[str, Tensor]) -> Iterator[tuple[str, Tensor, memoryview]]:
    """(name, tensor, its bytes) in name order, one tensor on the host at a time."""
    for name in sorted(tensors):
        tensor = tensors[name]
        yield name, tensor, tensor_bytes(tensor)


def header(tensors: Mapping[str, Tensor], metadata: Mapping[str, str]) -> bytes:
    """The length prefix and JSON header for `tensors` laid out in name order."""
    entries: dict[str, object] = {"__metadata__": dict(metadata)}
    offset = 0
    for name in sorted(tensors):
        tensor = tensors[name]
        if tensor.dtype not in _DTYPE_NAMES:
            raise TypeError(f"tensor {name}: dtype {tensor.dtype} cannot be saved")
        size = tensor.numel() * tensor.element_size()
        entries[name] = {
            "dtype": _DTYPE_NAMES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + size],
        }
        offset += size
    text = json.dumps(entries, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the tensors start 8-byte aligned, as the format asks
    return struct.pack("<Q", len(text)) + text


def write_tensors(file: BinaryIO, tensors: Mapping[str, Tensor], metadata: Mapping[str, str]) -> None:
    """Write a whole safetensors file into `file`, tensor by tensor."""
    file.write(header(tensors, metadata))
    for _name, _tensor, data in host_bytes(tensors):
        file.write(data)
