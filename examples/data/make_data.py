#!/usr/bin/env python3
"""Writes the examples' small data set and model (numpy only; torch is not needed).

  mlp.safetensors   a PyTorch-layout nn.Sequential(Linear(4, 32), Tanh(), Linear(32, 32),
                    Tanh(), Linear(32, 1)) state dict, F32, keys "0.weight", "0.bias",
                    "2.weight", ... with PyTorch's default init U(+-1/sqrt(fan_in))
  X.npy, y.npy      64 training samples in [-1, 1]^4 and a smooth target
  Xtest.npy, ytest.npy  32 test samples of the same task

With PyTorch installed, the same file comes from a real model:

    import torch
    from safetensors.torch import save_file
    model = torch.nn.Sequential(torch.nn.Linear(4, 32), torch.nn.Tanh(), torch.nn.Linear(32, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    # ... train it ...
    save_file(model.state_dict(), "mlp.safetensors")

Deterministic (seed 0): rerunning rewrites the same bytes.
"""
import json
import struct
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WIDTHS = [4, 32, 32, 1]


def target(x):
    return np.sin(np.pi * x[:, 0]) * np.cos(x[:, 1]) + 0.5 * x[:, 2] * x[:, 3]


def write_safetensors(path, tensors):
    """The safetensors layout: u64 LE header length, JSON header (padded with spaces to 8 bytes), raw LE data."""
    header, blobs, offset = {}, [], 0
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    rng = np.random.default_rng(0)
    tensors = {}
    for layer, (fan_in, fan_out) in enumerate(zip(WIDTHS[:-1], WIDTHS[1:])):
        bound = 1 / np.sqrt(fan_in)  # nn.Linear's default init
        tensors[f"{2 * layer}.weight"] = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        tensors[f"{2 * layer}.bias"] = rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)
    write_safetensors(HERE / "mlp.safetensors", tensors)
    x = rng.uniform(-1, 1, (64, 4))
    xt = rng.uniform(-1, 1, (32, 4))
    np.save(HERE / "X.npy", x)
    np.save(HERE / "y.npy", target(x))
    np.save(HERE / "Xtest.npy", xt)
    np.save(HERE / "ytest.npy", target(xt))


if __name__ == "__main__":
    main()
