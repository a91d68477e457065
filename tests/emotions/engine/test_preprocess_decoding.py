"""The one image decoder reads JPEG, PNG and WebP only, and its messages never quote
Pillow's, which can name the plugin or tool behind a format."""

import numpy as np
import pytest
from PIL import EpsImagePlugin, Image

from emotions.engine.preprocess import CORRUPT, NOT_A_PHOTO, ImageError, decode_image
from tests.support.images import FOREIGN_FORMATS, astronaut_as, bad_upload, encode

PHOTO = np.full((32, 48, 3), 120, dtype=np.uint8)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_it_decodes_a_photo_in_an_accepted_format(fmt):
    assert decode_image(encode(PHOTO, fmt)).shape == (32, 48, 3)


@pytest.mark.parametrize("fmt", FOREIGN_FORMATS)
def test_it_refuses_every_other_format_pillow_reads_with_a_plain_message(fmt):
    with pytest.raises(ImageError) as refused:
        decode_image(astronaut_as(fmt))
    assert str(refused.value) == NOT_A_PHOTO


def test_an_eps_file_never_reaches_pillows_postscript_plugin(monkeypatch):
    def opened(self):
        raise AssertionError("the EPS plugin was asked to open the file")

    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", opened)
    with pytest.raises(ImageError, match=NOT_A_PHOTO):
        decode_image(astronaut_as("EPS"))


@pytest.mark.parametrize("kind", ["corrupt", "truncated"])
def test_a_broken_photo_is_called_corrupt_without_pillows_own_words(kind):
    with pytest.raises(ImageError) as refused:
        decode_image(bad_upload(kind)[0])
    assert str(refused.value) == CORRUPT


def test_the_formats_can_be_narrowed_to_jpeg_for_live_frames():
    with pytest.raises(ImageError, match=NOT_A_PHOTO):
        decode_image(encode(PHOTO, "PNG"), formats=("JPEG",))
    assert decode_image(encode(PHOTO, "JPEG"), formats=("JPEG",)).shape == (32, 48, 3)


def test_pillow_still_knows_the_refused_formats():
    # Otherwise the refusals above would prove nothing about decode_image.
    assert set(FOREIGN_FORMATS) <= set(Image.registered_extensions().values())
