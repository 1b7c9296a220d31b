"""Evidence photos (SPEC §3, §13): what a phone sends, made safe to keep and show.

`clean_photo` accepts JPEG or PNG only (by content, never by the file name), refuses a file
over the limit or an image Pillow would not decode safely (a decompression bomb), turns the
picture upright (the EXIF orientation a phone writes instead of rotating the pixels) and encodes
it again, which drops every metadata block the original carried. Of the EXIF tags only the
useful ones survive (the camera's date and time); the GPS location goes unless the reporter
keeps it on purpose (`keep_location=True`). The longer side is bounded (`MAX_SIDE`): the page
resizes on the phone before sending, this bound holds for every client (the API, an old
browser).

`thumbnail` makes the small JPEG the pages list photos with.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 2560
MAX_PIXELS = 40_000_000  # a 40-megapixel picture; a bomb is far larger
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
JPEG_QUALITY = 85
# EXIF tags kept from the original (the rest, maker notes and serial numbers included, go).
KEPT_TAGS = (0x0132, 0x010F, 0x0110)  # DateTime, Make, Model
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
KEPT_EXIF_IFD_TAGS = (0x9003, 0x9011)  # DateTimeOriginal, OffsetTimeOriginal


class PhotoRejected(InvalidInput):
    code = "invalid_photo"


@dataclasses.dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str

    @property
    def extension(self) -> str:
        return ".png" if self.content_type == "image/png" else ".jpg"


def _open(data: bytes) -> Image.Image:
    if not data:
        raise PhotoRejected("照片文件是空的，请重新拍摄或选择。")
    if len(data) > MAX_BYTES:
        raise PhotoRejected(
            f"照片太大（{len(data) / 1024 / 1024:.1f} MB），每张不能超过 {MAX_BYTES // 1024 // 1024} MB。"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise PhotoRejected("只能上传 JPEG 或 PNG 格式的照片。")
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRejected("照片像素太多，无法处理，请用手机相机重新拍摄。")
            image.load()
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected("文件不是可以识别的照片，只能上传 JPEG 或 PNG 格式的照片。") from None
    except (OSError, ValueError, SyntaxError):
        raise PhotoRejected("照片文件已损坏或不完整，请重新拍摄或选择。") from None
    return image


def _exif(original: Image.Image, *, keep_location: bool) -> Image.Exif:
    source = original.getexif()
    kept = Image.Exif()
    for tag in KEPT_TAGS:
        if tag in source:
            kept[tag] = source[tag]
    inner = source.get_ifd(EXIF_IFD)
    inner_kept = {tag: inner[tag] for tag in KEPT_EXIF_IFD_TAGS if tag in inner}
    if inner_kept:
        kept[EXIF_IFD] = inner_kept
    if keep_location:
        gps = source.get_ifd(GPS_IFD)
        if gps:
            kept[GPS_IFD] = dict(gps)
    return kept


def clean_photo(data: bytes, *, keep_location: bool = False) -> CleanPhoto:
    """The photo re-encoded upright, bounded in size, without metadata beyond the kept tags;
    `PhotoRejected` (a Chinese message) for anything that is not a usable JPEG or PNG."""
    original = _open(data)
    kind = str(original.format)
    exif = _exif(original, keep_location=keep_location)
    image = ImageOps.exif_transpose(original)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, exif=exif.tobytes(), optimize=True)
    else:
        image.save(out, "PNG", exif=exif.tobytes(), optimize=True)
    cleaned = out.getvalue()
    return CleanPhoto(
        data=cleaned,
        content_type=FORMATS[kind],
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(cleaned).hexdigest(),
    )


def thumbnail(data: bytes, size: int = 320) -> bytes:
    """A JPEG no larger than `size` on its longer side, for lists of photos."""
    image = ImageOps.exif_transpose(_open(data))
    image.thumbnail((size, size))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def has_location(data: bytes) -> bool:
    """Whether the picture carries a GPS location (for tests and for telling the reporter)."""
    return bool(Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD))
