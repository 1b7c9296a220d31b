"""core.images: evidence photos lose their location, stand upright, stay within bounds; anything
that is not a JPEG or PNG photo is refused in Chinese."""

import io

import pytest
from PIL import Image

from core import images

GPS = {1: "N", 2: (36.0, 4.0, 12.5), 3: "E", 4: (120.0, 22.0, 1.0)}


def photo(fmt="JPEG", size=(400, 200), *, orientation=None, gps=True, mode="RGB") -> bytes:
    image = Image.new(mode, size, "red" if mode == "RGB" else 128)
    exif = Image.Exif()
    exif[0x0110] = "TestPhone 1"  # Model
    exif[0x9286] = "serial-123"  # a free-text tag, to be dropped
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[images.GPS_IFD] = GPS
    exif[images.EXIF_IFD] = {0x9003: "2026:11:30 09:15:00", 0xA431: "BODY-SERIAL-9"}
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def test_location_is_stripped_and_the_date_kept():
    raw = photo()
    assert images.has_location(raw)
    clean = images.clean_photo(raw)
    assert not images.has_location(clean.data)
    exif = Image.open(io.BytesIO(clean.data)).getexif()
    assert exif[0x0110] == "TestPhone 1"
    assert 0x9286 not in exif
    inner = exif.get_ifd(images.EXIF_IFD)
    assert inner[0x9003] == "2026:11:30 09:15:00"
    assert 0xA431 not in inner  # the body serial number goes
    assert clean.content_type == "image/jpeg" and clean.extension == ".jpg"
    assert len(clean.sha256) == 64


def test_location_kept_on_purpose():
    clean = images.clean_photo(photo(), keep_location=True)
    assert images.has_location(clean.data)


def test_png_is_cleaned_too():
    clean = images.clean_photo(photo("PNG"))
    assert clean.content_type == "image/png"
    assert not images.has_location(clean.data)


def test_upright_and_bounded():
    # Orientation 6: the camera held sideways; the stored picture is turned, the tag gone.
    clean = images.clean_photo(photo(size=(400, 200), orientation=6))
    assert (clean.width, clean.height) == (200, 400)
    assert 0x0112 not in Image.open(io.BytesIO(clean.data)).getexif()
    big = images.clean_photo(photo(size=(4000, 3000), gps=False))
    assert max(big.width, big.height) == images.MAX_SIDE


def test_thumbnail_is_small_jpeg():
    thumb = images.thumbnail(photo(size=(1200, 900)))
    image = Image.open(io.BytesIO(thumb))
    assert image.format == "JPEG" and max(image.size) == 320


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空的"),
        (b"%PDF-1.7 not a photo", "JPEG 或 PNG"),
        (photo()[:200], "损坏"),
        (b"\xff" * (images.MAX_BYTES + 1), "不能超过 5 MB"),
    ],
)
def test_refused_with_a_chinese_reason(data, message):
    with pytest.raises(images.PhotoRejected) as refused:
        images.clean_photo(data)
    assert message in refused.value.message


def test_gif_refused_by_content_not_name():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    with pytest.raises(images.PhotoRejected, match="JPEG 或 PNG"):
        images.clean_photo(out.getvalue())
