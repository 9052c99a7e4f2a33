"""Reading a PNG's header, as a chat client does to size the picture it shows."""

from __future__ import annotations

import struct


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height
