"""The text tower's own BERT (core.model.bert) against transformers.BertModel with the same
weights: the same hidden states, so the same sentence embeddings."""

from __future__ import annotations

import pytest
import torch

from core.model.minilm import MiniLM


def test_bert_matches_transformers():
    transformers = pytest.importorskip("transformers")
    from core.model.pretrained import minilm_dir

    folder = minilm_dir()
    ref = transformers.BertModel(transformers.BertConfig.from_json_file(
        str(folder / "config.json")), add_pooling_layer=False).eval()
    ours = MiniLM()
    ref.load_state_dict(ours.bert.state_dict(), strict=False)
    texts = ["a dog barking in the yard", "rain", "海边的日落", "the bells " * 60]
    enc = ours.tokenizer.encode_batch(texts)
    ids = torch.tensor([e.ids for e in enc])
    mask = torch.tensor([e.attention_mask for e in enc])
    assert mask.sum(1).min() < mask.shape[1]  # padding is exercised
    with torch.inference_mode():
        want = ref(input_ids=ids, attention_mask=mask,
                   token_type_ids=torch.zeros_like(ids)).last_hidden_state
        got = ours.bert(ids, mask)
    real = mask.bool()
    assert (got - want)[real].abs().max().item() < 1e-4


def test_loading_the_model_does_not_import_transformers_or_dynamo():
    import subprocess
    import sys

    """Nor torch._dynamo (sympy, triton): each takes seconds to import on this machine."""
    code = ("import sys; from core.model import load_model; load_model().encode_texts(['x']); "
            "print([m for m in ('transformers', 'torch._dynamo') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out.splitlines()[-1] == "[]"
