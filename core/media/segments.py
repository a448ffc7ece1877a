"""Cutting long media into searchable pieces: windows of long sounds, passages of
long notes, so that a result can point to the moment or the paragraph."""

from __future__ import annotations

import re

import numpy as np

# A sound up to this long is one segment; longer ones are cut into windows.
SOUND_WHOLE_S = 15.0
SOUND_WINDOW_S = 10.0
SOUND_HOP_S = 5.0
# A note up to this many words is one segment (the text tower reads 64 words).
NOTE_WHOLE_WORDS = 64
NOTE_PASSAGE_WORDS = 48
NOTE_HOP_WORDS = 32
# At most this many passages per note (see note_passages): a 5 MB text would otherwise
# become 28,000 vectors, 21 s and 1.4 GB of work for one file.
MAX_NOTE_PASSAGES = 1000

_WORD = re.compile(r"\S+")


def sound_windows(n_samples: int, sample_rate: int) -> list[tuple[int, int]]:
    """[(start, end) sample ranges]: the whole sound, or 10 s windows every 5 s, the last
    one ending at the end."""
    whole = int(SOUND_WHOLE_S * sample_rate)
    if n_samples <= whole:
        return [(0, n_samples)]
    win = int(SOUND_WINDOW_S * sample_rate)
    hop = int(SOUND_HOP_S * sample_rate)
    starts = list(range(0, n_samples - win + 1, hop))
    if starts[-1] + win < n_samples:
        starts.append(n_samples - win)
    return [(s, s + win) for s in starts]


def cut_sound(wave: np.ndarray, sample_rate: int) -> tuple[list[np.ndarray],
                                                           list[tuple[float, float]]]:
    """(n,) waveform -> (window waveforms, [(start_s, end_s)])."""
    spans = sound_windows(len(wave), sample_rate)
    return ([wave[a:b] for a, b in spans],
            [(a / sample_rate, b / sample_rate) for a, b in spans])


def note_passages(text: str) -> list[tuple[int, int]]:
    """[(char_start, char_end)]: the whole note, or passages of 48 words every 32 words.
    A note of more than ``MAX_NOTE_PASSAGES`` passages (about 16,000 words) keeps that many,
    spread evenly from its start to its end: time and memory per note stay bounded, and
    every part of a long text can still be found. Streams over the words (two passes of
    the regex, no list of all the words)."""
    n = sum(1 for _ in _WORD.finditer(text))
    if n <= NOTE_WHOLE_WORDS:
        return [(0, len(text))]
    starts = list(range(0, n - NOTE_PASSAGE_WORDS + 1, NOTE_HOP_WORDS))
    if starts[-1] + NOTE_PASSAGE_WORDS < n:
        starts.append(n - NOTE_PASSAGE_WORDS)
    if len(starts) > MAX_NOTE_PASSAGES:
        pick = np.linspace(0, len(starts) - 1, MAX_NOTE_PASSAGES).round().astype(np.int64)
        starts = [starts[i] for i in np.unique(pick)]
    ends = {s + NOTE_PASSAGE_WORDS - 1 for s in starts}
    begin = set(starts)
    at: dict[int, int] = {}
    for i, m in enumerate(_WORD.finditer(text)):
        if i in begin:
            at[i] = m.start()
        if i in ends:
            at[-1 - i] = m.end()
    return [(at[s], at[-1 - (s + NOTE_PASSAGE_WORDS - 1)]) for s in starts]
