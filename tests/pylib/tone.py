"""Checks on recorded call audio, shared by the interop and NAT lab tests
(standard library only)."""
import math
import struct
import wave


def tone_share(path, freq=440):
    """How much of the middle half of a 48 kHz mono 16-bit WAV is the tone
    at `freq`: its Goertzel power over the sum at `freq` and 24 other
    frequencies across 200..2000 Hz. A clean tone gives ~1; noise, silence
    or concealment artefacts ~1/25; another tone ~0. Decimated by 2, which
    is plenty below 12 kHz."""
    with wave.open(path) as w:
        if w.getframerate() != 48000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError("%s: expected 48 kHz mono 16-bit" % path)
        raw = w.readframes(w.getnframes())
    samples = struct.unpack("<%dh" % (len(raw) // 2), raw)
    n = len(samples)
    samples = samples[n // 4: 3 * n // 4: 2]
    if len(samples) < 4800:
        return 0.0

    def power(f):
        k = 2 * math.cos(2 * math.pi * f / 24000)
        s1 = s2 = 0.0
        for x in samples:
            s1, s2 = x + k * s1 - s2, s1
        return s1 * s1 + s2 * s2 - k * s1 * s2
    others = [200 + 75 * i for i in range(25) if abs(200 + 75 * i - freq) > 40]
    target = power(freq)
    total = target + sum(power(f) for f in others)
    return target / total if total else 0.0
