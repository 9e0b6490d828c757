"""Qt-free client of the HitPaw Image Segmentation API.

Import from the modules themselves (``client``, ``download``, ``errors``, ``defaults``): this
package file stays empty so that the window can read the defaults without loading the HTTP
stack (requests, urllib3, Pillow) before its first paint.
"""
