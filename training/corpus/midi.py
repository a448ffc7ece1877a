"""Short scores for labelled instrument clips, and the Standard MIDI Files that carry them.

A score is a list of notes `(start_s, duration_s, pitch, velocity)`. The shapes are
few and fixed (a held note, a scale or arpeggio, a melody, chords, a drum pattern),
with a seeded random generator choosing the details, so a build renders the same
clips every time.
"""

from __future__ import annotations

import random
import struct

Note = tuple[float, float, int, int]

DRUM_CHANNEL = 9  # General MIDI percussion
MAJOR = (0, 2, 4, 5, 7, 9, 11)
PENTATONIC = (0, 2, 4, 7, 9)
# I-V-vi-IV and i-VI-III-VII, as semitone offsets of triads from the key note.
PROGRESSIONS = (((0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)),
                ((0, 3, 7), (8, 12, 15), (3, 7, 10), (10, 14, 17)))


def _vlq(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def midi_file(notes: list[Note], program: int = 0, channel: int = 0,
              tail_s: float = 1.5, tempo_us: int = 500_000, tpq: int = 480) -> bytes:
    """A format-0 Standard MIDI File playing `notes` with GM `program` on `channel`.

    A controller event `tail_s` after the last note-off keeps renderers running
    while the notes ring out.
    """
    events: list[tuple[float, int, bytes]] = []
    for start, duration, pitch, velocity in notes:
        events.append((start, 1, bytes([0x90 | channel, pitch, max(1, min(127, velocity))])))
        events.append((start + duration, 0, bytes([0x80 | channel, pitch, 0])))
    end = max((s + d for s, d, _, _ in notes), default=0.0) + tail_s
    events.append((end, 2, bytes([0xB0 | channel, 7, 100])))
    events.sort(key=lambda e: (e[0], e[1]))
    track = b"\x00\xff\x51\x03" + tempo_us.to_bytes(3, "big")
    track += b"\x00" + bytes([0xB0 | channel, 7, 100])
    if channel != DRUM_CHANNEL:
        track += b"\x00" + bytes([0xC0 | channel, program])
    last = 0
    for time, _, data in events:
        tick = round(time * 1e6 / tempo_us * tpq)
        track += _vlq(tick - last) + data
        last = tick
    track += b"\x00\xff\x2f\x00"
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq)
            + b"MTrk" + struct.pack(">I", len(track)) + track)


def held_note(base: int, rng: random.Random) -> list[Note]:
    """One or two long notes: the instrument's plain timbre."""
    pitch = base + rng.choice((0, 2, 4, 7))
    first = (0.0, 2.2, pitch, rng.randint(80, 110))
    return [first, (2.6, 1.6, pitch + rng.choice((-5, 5, 7)), rng.randint(70, 100))]


def scale(base: int, rng: random.Random, span: int = 8) -> list[Note]:
    """An ascending then descending run of the major scale (or arpeggio)."""
    steps = MAJOR if rng.random() < 0.6 else (0, 4, 7)
    up = [base + 12 * (i // len(steps)) + steps[i % len(steps)] for i in range(span)]
    pitches = up + up[-2::-1]
    beat = rng.choice((0.22, 0.28, 0.33))
    return [(i * beat, beat * 0.9, p, rng.randint(75, 105)) for i, p in enumerate(pitches)]


def melody(base: int, rng: random.Random, seconds: float = 5.0) -> list[Note]:
    """A pentatonic tune of quarter and eighth notes ending on the key note."""
    beat = rng.choice((0.3, 0.36, 0.42))
    notes, t, degree = [], 0.0, 0
    while t < seconds - 2 * beat:
        degree = max(-2, min(7, degree + rng.choice((-2, -1, -1, 1, 1, 2))))
        octave, step = divmod(degree, len(PENTATONIC))
        length = beat * rng.choice((1, 1, 0.5, 0.5, 2))
        notes.append((t, length * 0.92, base + 12 * octave + PENTATONIC[step],
                      rng.randint(70, 110)))
        t += length
    notes.append((t, 2 * beat, base, 90))
    return notes


def chords(base: int, rng: random.Random, strum: bool = False) -> list[Note]:
    """Four chords of a common progression, block or strummed."""
    progression = rng.choice(PROGRESSIONS)
    length = rng.choice((1.1, 1.3, 1.5))
    notes = []
    for i, chord in enumerate(progression):
        for k, offset in enumerate(chord):
            delay = k * 0.025 if strum else 0.0
            notes.append((i * length + delay, length * 0.95 - delay, base + offset,
                          rng.randint(70, 100)))
    return notes


def hits(pitch: int, rng: random.Random, seconds: float = 4.0) -> list[Note]:
    """One percussion sound played in a simple rhythm, with natural velocity changes."""
    beat = rng.choice((0.25, 0.3, 0.375, 0.5))
    pattern = rng.choice(((1, 1, 1, 1), (1, 0, 1, 1), (1, 1, 0, 1), (1, 0, 1, 0)))
    notes, t, i = [], 0.0, 0
    while t < seconds:
        if pattern[i % len(pattern)]:
            accent = 20 if i % 4 == 0 else 0
            notes.append((t, 0.2, pitch, min(127, rng.randint(70, 100) + accent)))
        t += beat
        i += 1
    return notes


# General MIDI percussion keys of a kit: kick, snare, closed hi-hat, open hi-hat, crash.
KIT = {"kick": 36, "snare": 38, "hihat": 42, "open_hihat": 46, "crash": 49}


def beat(rng: random.Random, kit: dict[str, int] | None = None, bars: int = 2) -> list[Note]:
    """A rock or funk beat on a drum kit: eighth-note hi-hats, kick and snare, a crash on one."""
    kit = kit or KIT
    eighth = 60 / rng.choice((90, 100, 110, 120)) / 2
    kicks = rng.choice(((0, 4), (0, 3, 4), (0, 4, 6), (0, 2, 5)))
    notes: list[Note] = []
    for bar in range(bars):
        for step in range(8):
            t = (bar * 8 + step) * eighth
            open_hat = step == 7 and "open_hihat" in kit and rng.random() < 0.5
            if "hihat" in kit:
                notes.append((t, 0.1, kit["open_hihat" if open_hat else "hihat"],
                              rng.randint(60, 90) + (15 if step % 2 == 0 else 0)))
            if step in kicks and "kick" in kit:
                notes.append((t, 0.2, kit["kick"], rng.randint(95, 120)))
            if step in (2, 6) and "snare" in kit:
                notes.append((t, 0.2, kit["snare"], rng.randint(95, 120)))
    if "crash" in kit:
        notes.append((bars * 8 * eighth, 1.5, kit["crash"], 110))
        if "kick" in kit:
            notes.append((bars * 8 * eighth, 0.2, kit["kick"], 110))
    return notes
