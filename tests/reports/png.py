"""A small PNG reader (8-bit RGB/RGBA, not interlaced: what Chromium writes) for screenshot checks."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}


@dataclass(frozen=True)
class Image:
    """Pixels as an array of shape (height, width, 3), RGB."""

    pixels: np.ndarray[Any, np.dtype[np.uint8]]

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    def mask(self, color: str, tolerance: int = 6) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """True where a pixel is within `tolerance` of `color` ('#rrggbb') in every channel."""
        want = np.frombuffer(bytes.fromhex(color.lstrip("#")), dtype=np.uint8).astype(np.int16)
        close: np.ndarray[Any, np.dtype[np.bool_]] = (
            np.abs(self.pixels.astype(np.int16) - want) <= tolerance
        ).all(axis=2)
        return close

    def count(self, color: str, *, top: int = 0, bottom: int | None = None) -> int:
        """Pixels of `color` in rows top..bottom."""
        return int(self.mask(color)[top:bottom].sum())

    def first_row(self, color: str, min_pixels: int = 20) -> int | None:
        """The topmost row holding at least `min_pixels` pixels of `color`."""
        rows = np.nonzero(self.mask(color).sum(axis=1) >= min_pixels)[0]
        return int(rows[0]) if len(rows) else None

    def distinct_colors(self) -> int:
        """Distinct colours on the page: a blank or failed page has one or two."""
        flat = self.pixels.reshape(-1, 3)
        return len(np.unique(flat[::7], axis=0))


def read_png(path: Path) -> Image:
    data = path.read_bytes()
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path} is not a PNG file")
    pos = len(SIGNATURE)
    header = b""
    compressed = bytearray()
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or color_type not in CHANNELS or interlace:
        raise ValueError(
            f"{path}: unsupported PNG (depth {depth}, colour type {color_type}, interlace {interlace})"
        )
    channels = CHANNELS[color_type]
    rows = _unfilter(zlib.decompress(compressed), width * channels, height, channels)
    pixels = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(height, width, channels)
    return Image(pixels[:, :, :3])


def _unfilter(raw: bytes, stride: int, height: int, bpp: int) -> list[bytes]:
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            up = np.frombuffer(bytes(line), dtype=np.uint8) + np.frombuffer(previous, dtype=np.uint8)
            line = bytearray(up.tobytes())
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        previous = bytes(line)
        rows.append(previous)
    return rows
