"""Store the sentence embeddings of the class texts, so creating a model does not recompute
them (1,401 texts through MiniLM take tens of seconds on a small CPU).

    python -m training.class_texts
"""

from __future__ import annotations

from safetensors.torch import save_file

from core.model.minilm import MiniLM
from core.model.network import CLASS_EMBEDDINGS, class_text_digest, compute_class_embeddings
from core.model.pretrained import RESOURCES


def main() -> int:
    emb = compute_class_embeddings(MiniLM())
    out = RESOURCES / "pretrained" / CLASS_EMBEDDINGS
    save_file({k: v.contiguous() for k, v in emb.items()}, str(out),
              metadata={"texts": class_text_digest(), "encoder": "all-MiniLM-L6-v2"})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
