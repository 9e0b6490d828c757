"""A small, honest background remover for the sandbox.

It is not the vendor's model: it assumes what a product shot or the sandbox's own samples
offer, a fairly plain background that touches the border. That is enough to give the app
real, inspectable cut-outs offline. The mask is computed on a downscaled copy so that a
24-megapixel photo costs a fraction of a second, then scaled back up, which also softens edges.
"""

from __future__ import annotations

from PIL import Image, ImageChops, ImageFilter, ImageStat

#: The mask is computed with the longest side at most this long.
WORKING_SIDE = 1024
#: Channel distance from the background below which a pixel is background, and above which
#: it is subject; in between the alpha ramps, so anti-aliased edges stay soft.
RAMP_LOW = 28
RAMP_HIGH = 64
#: Width of the border strip sampled for the background colour, as a share of each side.
BORDER_SHARE = 0.03


def segment(image: Image.Image) -> tuple[Image.Image, Image.Image]:
    """Cut the subject out of ``image``: returns (RGBA cut-out, "L" mask) at full size."""
    small = _working_copy(image)
    background = _border_median(small)
    distance = _channel_max(ImageChops.difference(small, Image.new("RGB", small.size, background)))
    alpha = distance.point(_ramp_table())
    # Opening removes specks of noise in the background, closing fills pinholes in the subject.
    alpha = alpha.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))
    alpha = alpha.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.MinFilter(3))
    alpha = alpha.filter(ImageFilter.GaussianBlur(0.8))
    mask = alpha.resize(image.size, Image.Resampling.BILINEAR) if alpha.size != image.size else alpha

    cutout = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # Keep whatever the input already declared transparent.
        mask_with_input = ImageChops.multiply(mask, cutout.getchannel("A"))
        cutout.putalpha(mask_with_input)
        return cutout, mask_with_input
    cutout.putalpha(mask)
    return cutout, mask


def _working_copy(image: Image.Image) -> Image.Image:
    """An RGB copy whose longest side is at most WORKING_SIDE."""
    source = image if image.mode in ("RGB", "RGBA", "L", "LA") else image.convert("RGBA")
    scale = WORKING_SIDE / max(source.size)
    if scale < 1:
        size = (max(1, round(source.width * scale)), max(1, round(source.height * scale)))
        source = source.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return source.convert("RGB")


def _border_median(image: Image.Image) -> tuple[int, int, int]:
    """The median colour of a thin strip along all four edges: the likely background."""
    width, height = image.size
    strip_x = max(1, round(width * BORDER_SHARE))
    strip_y = max(1, round(height * BORDER_SHARE))
    border = Image.new("L", image.size, 255)
    if width > 2 * strip_x and height > 2 * strip_y:
        border.paste(0, (strip_x, strip_y, width - strip_x, height - strip_y))
    red, green, blue = ImageStat.Stat(image, border).median[:3]
    return int(red), int(green), int(blue)


def _channel_max(image: Image.Image) -> Image.Image:
    """Per pixel, the largest of the three channels (a Chebyshev colour distance)."""
    red, green, blue = image.split()
    return ImageChops.lighter(ImageChops.lighter(red, green), blue)


def _ramp_table() -> list[int]:
    span = RAMP_HIGH - RAMP_LOW
    return [
        0 if v <= RAMP_LOW else 255 if v >= RAMP_HIGH else round(255 * (v - RAMP_LOW) / span)
        for v in range(256)
    ]
