"""A big phone photo (48 megapixels, more than the upload limit in bytes, turned by its
EXIF orientation) is shrunk by the upload page before it is sent, and analysed."""

import io

import numpy as np
import pytest
from django.conf import settings
from PIL import Image
from skimage import data as skdata

from tests.e2e.flows import assert_one_face_with_seven_bars, finished_result, sign_up

pytestmark = pytest.mark.e2e

# EXIF orientation 6: the camera held upright, the pixels stored turned on their side.
ROTATED_90_CLOCKWISE = 6


@pytest.fixture(scope="module")
def phone_photo(tmp_path_factory):
    """An 8000x6000 JPEG of the astronaut, stored sideways with an EXIF orientation,
    grainy enough to weigh more than the upload limit."""
    upright = Image.fromarray(skdata.astronaut()).resize((6000, 6000), Image.Resampling.BILINEAR)
    portrait = Image.new("RGB", (6000, 8000), (90, 90, 90))
    portrait.paste(upright, (0, 1000))
    pixels = np.asarray(portrait, dtype=np.int16)
    grain = np.random.default_rng(7).normal(0, 12, pixels.shape).astype(np.int16)
    stored = Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8)).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = ROTATED_90_CLOCKWISE
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", quality=92, exif=exif)
    path = tmp_path_factory.mktemp("phone") / "PXL_20261201_120000.jpg"
    path.write_bytes(buffer.getvalue())
    assert stored.size == (8000, 6000)
    assert path.stat().st_size > settings.MAX_UPLOAD_MB * 1024 * 1024
    return path


def test_a_48_megapixel_phone_photo_is_shrunk_upright_in_the_browser_and_analysed(page, server, phone_photo):
    sign_up(page, server, "hana")
    page.goto("/analyse/")
    page.locator('input[type="file"][name="image"]').set_input_files(str(phone_photo))
    # Shown as it will be sent: upright (portrait) and at most 2048 pixels long.
    expect_size = page.get_by_text("sent as 1536\N{MULTIPLICATION SIGN}2048")
    expect_size.wait_for(timeout=60_000)
    page.get_by_role("button", name="Analyse my photo").click()

    result = finished_result(page)
    assert_one_face_with_seven_bars(result)
    # Stored as sent: upright and shrunk (the original, over the size limit, would be refused).
    detection_id = result.get_by_role("link", name="Open the result page").get_attribute("href").rstrip("/")
    detection = page.request.get(f"/api/v1/detections/{detection_id.rsplit('/', 1)[-1]}/").json()
    assert (detection["photo_width"], detection["photo_height"]) == (1536, 2048)
