"""Words in a recording, by PocketSphinx's bundled English model (offline); no Qt here.

Run as a program it reads 16-bit mono PCM at 16 kHz on stdin and prints the words: the
window runs it in a child process, because the decoder holds Python's GIL for half a
second at a time and the window would freeze meanwhile.
"""

from __future__ import annotations

import sys

import numpy as np

SPEECH_RATE = 16000
SILENCE_RMS = 1e-3


def recognise(samples: np.ndarray, rate: int = SPEECH_RATE) -> str:
    """The words heard in ``samples`` ((n,) float32 in [-1, 1] at 16 kHz), or "" for none."""
    if rate != SPEECH_RATE:
        raise ValueError(f"speech recognition needs {SPEECH_RATE} Hz audio, got {rate} Hz")
    samples = np.asarray(samples, np.float32)
    if samples.size == 0 or float(np.sqrt(np.mean(samples**2))) < SILENCE_RMS:
        return ""  # the decoder "hears" words in digital silence; there are none
    return recognise_pcm((np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes())


def recognise_pcm(pcm: bytes) -> str:
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=SPEECH_RATE, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    words = hyp.hypstr.strip() if hyp is not None else ""
    # Fillers such as <sil> or [NOISE] are not words a person said.
    return " ".join(w for w in words.split() if not w.startswith(("<", "[", "++")))


if __name__ == "__main__":
    pcm = np.frombuffer(sys.stdin.buffer.read(), "<i2").astype(np.float32) / 32768
    print(recognise(pcm))
