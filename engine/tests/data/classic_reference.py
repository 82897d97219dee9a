#!/usr/bin/env python3
"""The original faafo worker's Julia loop (faafo/worker/service.py, JuliaSet), verbatim in
its arithmetic, used as the oracle for the engine's bit-exactness test.

Prints the SHA-256 of the escape counts (row-major, u32 little-endian) of the `classic`
bench scene (649x869, 362 iterations, the tutorial's task, c = 0.285+0.01i).
Run: python3 classic_reference.py
"""
import hashlib
import struct

def counts(width, height, iterations, xa, xb, ya, yb, c):
    out = []
    for y in range(height):
        zy = y * (yb - ya) / (height - 1) + ya
        for x in range(width):
            zx = x * (xb - xa) / (width - 1) + xa
            z = zx + zy * 1j
            for i in range(iterations):
                if abs(z) > 2.0:
                    break
                z = z * z + c
            out.append(i)
    return out

if __name__ == "__main__":
    grid = counts(649, 869, 362, -1.77488588389, 3.08249829401, -1.31213919301, 1.95281690897,
                  complex(0.285, 0.01))
    print(hashlib.sha256(b"".join(struct.pack("<I", v) for v in grid)).hexdigest())
