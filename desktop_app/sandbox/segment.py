"""The sandbox's background remover: the app's own on-device engine (u2netp).

Trying the app against the sandbox then shows real cut-outs of real photos, the same ones
"cut out on this computer" gives. The sandbox adds one thing the engine leaves to its
callers, as a service would: pixels the input already declared transparent stay
transparent, and the mask's last few levels are stretched (``SURE``), so where the model is
all but certain the mask is exactly opaque or exactly clear, as HitPaw's masks are (the model
says 254 in the middle of an obvious subject, and 1 in some corners). Results are cached per
input by the sandbox (``state.ResultCache``), so a batch of links to one photo costs one
inference.
"""

from __future__ import annotations

from PIL import Image, ImageChops

#: Mask levels at or below this are clear, at or above 255 minus this opaque; between, a
#: linear stretch keeps soft edges soft.
SURE = 8
_LEVELS = [min(255, max(0, round((v - SURE) * 255 / (255 - 2 * SURE)))) for v in range(256)]


def segment(image: Image.Image) -> tuple[Image.Image, Image.Image]:
    """Cut the subject out of ``image``: returns (RGBA cut-out, "L" mask) at full size."""
    from desktop_app.engine import predict_mask

    mask = predict_mask(image).point(_LEVELS)
    cutout = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        mask = ImageChops.multiply(mask, cutout.getchannel("A"))
    cutout.putalpha(mask)
    return cutout, mask
