/*
 * image_size.h - the format and pixel size of an uploaded image, read from
 * its header without decoding it.
 *
 * The media library (domain/media.c) must refuse a decompression bomb (a
 * small file that decodes to billions of pixels) before handing the bytes
 * to an image decoder, and libgd has no cheap way to ask for the size, so
 * this small parser reads it from the header of each format the library
 * accepts:
 *   PNG   the IHDR chunk, which must come first
 *   JPEG  the first SOFn segment, walking the marker segments from SOI
 *   GIF   the logical screen, and the first image descriptor (a frame may
 *         not exceed the screen for libgd, but the larger of the two is
 *         reported all the same)
 *   WebP  the VP8 key-frame header, the VP8L header or the VP8X canvas
 * Anything the parser does not understand is refused rather than guessed:
 * the caller then refuses the upload as an unreadable image.
 *
 * Pure functions: no allocation, no global state, safe from any thread;
 * every read is bounds-checked against n (tests/fuzz/fuzz_image_size.c).
 */
#ifndef TSUNAGU_DOMAIN_IMAGE_SIZE_H
#define TSUNAGU_DOMAIN_IMAGE_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    IMAGE_UNKNOWN = 0,
    IMAGE_PNG,
    IMAGE_JPEG,
    IMAGE_GIF,
    IMAGE_WEBP,
} image_format;

typedef struct image_info {
    image_format format;
    uint32_t width, height; /* pixels, both at least 1 */
} image_info;

/* Reads the format and size from p[0..n).  True with *out filled; false
 * (out->format IMAGE_UNKNOWN, sizes 0) when the bytes are not one of the
 * four formats, the header is cut short or malformed, or a size is zero. */
bool image_size(const unsigned char *p, size_t n, image_info *out);

/* width x height, without overflow. */
static inline uint64_t image_pixels(const image_info *i)
{
    return (uint64_t)i->width * (uint64_t)i->height;
}

#endif
