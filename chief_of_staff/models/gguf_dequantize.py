"""An F32 copy of a quantised GGUF: every tensor dequantised exactly as transformers dequantises it on load
(`gguf.quants.dequantize`), every metadata key kept. llama.cpp then computes on the very weights the
transformers backend holds, so the two backends can be compared number for number (an adapter's effect
must agree between them; with the Q4_1 original, llama.cpp's quantised matmuls add their own error).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SKIPPED_KEYS = ("GGUF.", "general.architecture", "general.file_type")  # written by the writer or no longer true


def write_f32_copy(source: Path, target: Path) -> Path:
    """Write `source` with all tensors as F32 (norms and embeddings included) to `target`, atomically."""
    import gguf

    reader = gguf.GGUFReader(source)
    architecture = reader.fields["general.architecture"].contents()
    tmp = target.with_name(target.name + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), architecture)
    for name, field in reader.fields.items():
        if name.startswith(SKIPPED_KEYS):
            continue
        kind = field.types[0]
        sub = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, field.contents(), kind, sub_type=sub)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    for tensor in reader.tensors:
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
        writer.add_tensor(tensor.name, values.reshape([int(n) for n in reversed(tensor.shape)]))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(target)
    return target
