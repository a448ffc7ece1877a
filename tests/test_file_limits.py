"""Time and memory per file stay bounded for the largest files a library holds: a long
note keeps at most MAX_NOTE_PASSAGES passages, spread over all of it; a huge PNG is shrunk
inside the decoder, so the peak is about one decoded image, not two.
Measured for the real command line in benchmarks/bench_file_memory.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.library.decode import decode
from core.library.scan import ScannedFile
from core.media.segments import (
    MAX_NOTE_PASSAGES,
    NOTE_HOP_WORDS,
    NOTE_PASSAGE_WORDS,
    note_passages,
)

REPO = Path(__file__).resolve().parents[1]


def test_a_long_note_keeps_a_bounded_number_of_passages_over_all_of_it(tmp_path: Path) -> None:
    words = [f"w{i}" for i in range(200_000)]  # a 1.6 MB note: 6,249 passages uncapped
    text = " ".join(words) + "\n"
    passages = note_passages(text)
    assert len(passages) == MAX_NOTE_PASSAGES
    assert passages[0][0] == 0 and passages[-1][1] == len(text) - 1  # its start and its end
    for a, b in passages:
        assert len(text[a:b].split()) == NOTE_PASSAGE_WORDS
    starts = [int(text[a:b].split()[0][1:]) for a, b in passages]
    assert starts == sorted(set(starts))
    gaps = np.diff(starts)[:-1]  # evenly spread (the last passage is the note's end)
    assert gaps.min() >= NOTE_HOP_WORDS and gaps.max() - gaps.min() <= NOTE_HOP_WORDS
    # A note under the cap is cut as before: every passage, 32 words apart.
    short = " ".join(words[:1000])
    cut = note_passages(short)
    assert [len(short[:a].split()) for a, _ in cut][:3] == [0, 32, 64]
    # The indexer gets the capped passages.
    note = tmp_path / "long.txt"
    note.write_text(text)
    d = decode(ScannedFile(str(note), note.stat().st_size, 0, "note", 1), None)
    assert d.error is None and len(d.segments) == len(d.pieces) == MAX_NOTE_PASSAGES


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_a_huge_png_peaks_at_about_one_decoded_image(tmp_path: Path) -> None:
    import cv2

    h, w = 6000, 7000  # 42 megapixels, 126 MB decoded
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
    img = np.empty((h, w, 3), np.uint8)
    img[:, :, 0] = (y * 0.7 + x * 0.3).astype(np.uint8)
    img[:, :, 1] = (x * 0.8).astype(np.uint8)
    img[:, :, 2] = ((x + y) * 0.5).astype(np.uint8)
    path = tmp_path / "huge.png"
    cv2.imwrite(str(path), img)
    del img
    # VmHWM: this process's own peak (ru_maxrss would start from the parent's, this test
    # process's, which made the image).
    code = ("import re\n"
            "from core.media import load_image\n"
            "def hwm():\n"
            "    status = open('/proc/self/status').read()\n"
            "    return int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) * 1024\n"
            "base = hwm()\n"
            f"img = load_image({str(path)!r}, max_side=448)\n"
            "print(img.shape, hwm() - base)\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr
    shape, grew = re.match(r"\((\d+), (\d+), 3\) (\d+)", run.stdout).groups()[:2], \
        int(run.stdout.split()[-1])
    assert (int(shape[0]), int(shape[1])) == (384, 448)
    decoded = h * w * 3
    # Before: the whole image, then OpenCV's resize of it beside it (2.05x); now 1.06x.
    assert grew < 1.5 * decoded, f"peak grew {grew / 2**20:.0f} MB for {decoded / 2**20:.0f} MB"
