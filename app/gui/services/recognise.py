"""Words in a recording, by PocketSphinx's bundled English model (offline); no Qt here.

Without a vocabulary the decoder uses its general English language model, which on a short
query hears whatever is likely in English ("a dog barking on the beach" -> "all all the
debris"). With one (``core.text.words.search_words``: the tag vocabulary, the library's
own words, the small words joining them) it can only hear those words: a uniform unigram
language model over the words its dictionary can pronounce, written for this decoder.

The window runs it in a child process (``app.gui.services.speech.recognise_in_child``),
because the decoder holds Python's GIL for half a second at a time and the window would
freeze meanwhile.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SPEECH_RATE = 16000
SILENCE_RMS = 1e-3
# How much the word list outweighs the sounds. PocketSphinx's default is 6.5; 10 was the best
# of 3, 6.5, 10, 15 and 20 on twelve espeak-ng phrases in three voices that are not in the
# benchmark's phrases (benchmarks/bench_speech.py); 15 and 20 tied with it.
LANGUAGE_WEIGHT = 10.0


def recognise(samples: np.ndarray, rate: int = SPEECH_RATE,
              words: Sequence[str] | None = None) -> str:
    """The words heard in ``samples`` ((n,) float32 in [-1, 1] at 16 kHz), or "" for none;
    with ``words``, only those words can be heard."""
    if rate != SPEECH_RATE:
        raise ValueError(f"speech recognition needs {SPEECH_RATE} Hz audio, got {rate} Hz")
    samples = np.asarray(samples, np.float32)
    if samples.size == 0 or float(np.sqrt(np.mean(samples**2))) < SILENCE_RMS:
        return ""  # the decoder "hears" words in digital silence; there are none
    return recognise_pcm((np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes(), words)


def decoder(words: Sequence[str] | None = None):
    """A PocketSphinx decoder: the general English model, or one that hears only ``words``
    (those its dictionary can pronounce; ValueError when none can be)."""
    from pocketsphinx import Decoder

    if words is None:
        return Decoder(samprate=SPEECH_RATE, loglevel="FATAL")
    dec = Decoder(samprate=SPEECH_RATE, loglevel="FATAL", lw=LANGUAGE_WEIGHT)
    known = sorted({w.lower() for w in words if w.strip() and dec.lookup_word(w.lower())})
    if not known:
        raise ValueError("none of the words can be pronounced by the speech dictionary")
    with tempfile.TemporaryDirectory(prefix="synesthesia-lm-") as tmp:
        arpa = Path(tmp) / "words.arpa"
        arpa.write_text(unigram_arpa(known), encoding="utf-8")
        dec.add_lm_file("words", str(arpa))
    dec.activate_search("words")
    return dec


def unigram_arpa(words: Sequence[str]) -> str:
    """An ARPA language model in which each of ``words`` is equally likely."""
    p = math.log10(1.0 / (len(words) + 1))
    lines = ["\\data\\", f"ngram 1={len(words) + 2}", "", "\\1-grams:",
             "-99.0000 <s> 0.0000", f"{p:.4f} </s> 0.0000"]
    lines += [f"{p:.4f} {w} 0.0000" for w in words]
    return "\n".join([*lines, "", "\\end\\", ""])


def decode(dec, pcm: bytes) -> str:
    """The words ``dec`` hears in 16-bit PCM, fillers (<sil>, [NOISE]) left out."""
    dec.start_utt()
    dec.process_raw(pcm, full_utt=True)
    dec.end_utt()
    hyp = dec.hyp()
    found = hyp.hypstr.strip() if hyp is not None else ""
    return " ".join(w for w in found.split() if not w.startswith(("<", "[", "++")))


def recognise_pcm(pcm: bytes, words: Sequence[str] | None = None) -> str:
    return decode(decoder(words), pcm)
