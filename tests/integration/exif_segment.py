"""An EXIF APP1 segment built by hand (exiftool is not in the stack and libexif cannot
write): IFD0 with Model and Orientation, an EXIF IFD with DateTimeOriginal, little-endian
TIFF. insert_exif puts it right after a JPEG's SOI, where cameras write it."""

import struct


def exif_payload(orientation=None, model=None, taken=None):
    """The APP1 payload: "Exif\\0\\0" and a TIFF block. taken is EXIF's "YYYY:MM:DD HH:MM:SS"."""
    entries = []  # (tag, type, count, value bytes)
    if model is not None:
        entries.append((0x0110, 2, len(model) + 1, model.encode() + b"\0"))
    if orientation is not None:
        entries.append((0x0112, 3, 1, struct.pack("<HH", orientation, 0)))
    entries.append((0x8769, 4, 1, None))  # the EXIF IFD's offset, patched below
    ifd0_size = 2 + 12 * len(entries) + 4
    data_at = 8 + ifd0_size
    extra, where = b"", {}
    for tag, kind, count, value in entries:
        if value is not None and len(value) > 4:
            where[tag] = data_at + len(extra)
            extra += value + (b"\0" if len(value) % 2 else b"")
    exif_ifd_at = data_at + len(extra)
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 0x8769:
            ifd += struct.pack("<HHII", tag, kind, count, exif_ifd_at)
        elif tag in where:
            ifd += struct.pack("<HHII", tag, kind, count, where[tag])
        else:
            ifd += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
    ifd += struct.pack("<I", 0)
    tiff = b"II*\0" + struct.pack("<I", 8) + ifd + extra
    assert len(tiff) == exif_ifd_at, (len(tiff), exif_ifd_at)
    if taken is not None:
        tiff += struct.pack("<H", 1) + struct.pack("<HHII", 0x9003, 2, 20, exif_ifd_at + 2 + 12 + 4) \
            + struct.pack("<I", 0) + taken.encode().ljust(20, b"\0")
    else:
        tiff += struct.pack("<HI", 0, 0)
    return b"Exif\0\0" + tiff


def insert_exif(jpeg_bytes, **facts):
    payload = exif_payload(**facts)
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg_bytes[:2] + segment + jpeg_bytes[2:]
