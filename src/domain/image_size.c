/* image_size.c - image dimensions from the header.  See image_size.h. */
#include "domain/image_size.h"

#include <string.h>

static uint32_t be16(const unsigned char *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t le24(const unsigned char *p)
{
    return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static bool found(image_info *out, image_format f, uint32_t w, uint32_t h)
{
    if (w == 0 || h == 0)
        return false;
    *out = (image_info){f, w, h};
    return true;
}

/* PNG (ISO/IEC 15948 5.2, 11.2.2): the signature, then IHDR with width and
 * height as 31-bit big-endian numbers. */
static bool png_size(const unsigned char *p, size_t n, image_info *out)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (n < 24 || memcmp(p, sig, 8) != 0 || be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4) != 0)
        return false;
    uint32_t w = be32(p + 16), h = be32(p + 20);
    if (w > 0x7FFFFFFFu || h > 0x7FFFFFFFu)
        return false;
    return found(out, IMAGE_PNG, w, h);
}

/* True for the start-of-frame markers SOF0..SOF15, which are C0..CF except
 * DHT (C4), JPG (C8) and DAC (CC). */
static bool jpeg_is_sof(unsigned m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* JPEG (ITU T.81 B.1): SOI, then marker segments, each FF xx and (except the
 * standalone markers) a 16-bit length that counts itself.  The frame header
 * SOFn holds precision, height, width.  A scan (SOS) or the end (EOI) before
 * any frame header, and junk between segments, are refused; a height of 0
 * (defined later by a DNL marker) is refused too. */
static bool jpeg_size(const unsigned char *p, size_t n, image_info *out)
{
    if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
        return false;
    size_t i = 2;
    while (i < n) {
        if (p[i] != 0xFF)
            return false;
        while (i < n && p[i] == 0xFF) /* fill bytes */
            i++;
        if (i >= n)
            return false;
        unsigned m = p[i++];
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) /* TEM, RSTn: no length */
            continue;
        if (m == 0x00 || m == 0xD8 || m == 0xD9 || m == 0xDA)
            return false;
        if (n - i < 2)
            return false;
        size_t len = be16(p + i);
        if (len < 2 || len > n - i)
            return false;
        if (jpeg_is_sof(m)) {
            if (len < 8) /* length, precision, height, width, components */
                return false;
            return found(out, IMAGE_JPEG, be16(p + i + 5), be16(p + i + 3));
        }
        i += len;
    }
    return false;
}

/* GIF (GIF89a specification 17-20): header, logical screen descriptor,
 * optional global colour table, then extensions until the first image
 * descriptor.  Reports the larger of the screen and the first frame's
 * extent. */
static bool gif_size(const unsigned char *p, size_t n, image_info *out)
{
    if (n < 13 || (memcmp(p, "GIF87a", 6) != 0 && memcmp(p, "GIF89a", 6) != 0))
        return false;
    uint32_t sw = le16(p + 6), sh = le16(p + 8);
    size_t i = 13;
    if (p[10] & 0x80) {
        size_t table = (size_t)3 << ((p[10] & 7) + 1);
        if (table > n - i)
            return false;
        i += table;
    }
    while (i < n) {
        unsigned b = p[i];
        if (b == 0x2C) { /* image descriptor */
            if (n - i < 10)
                return false;
            uint32_t fw = le16(p + i + 1) + le16(p + i + 5);
            uint32_t fh = le16(p + i + 3) + le16(p + i + 7);
            return found(out, IMAGE_GIF, fw > sw ? fw : sw, fh > sh ? fh : sh);
        }
        if (b != 0x21) /* the trailer (3B) or junk: no image */
            return false;
        if (n - i < 2)
            return false;
        i += 2; /* introducer and label, then data sub-blocks */
        for (;;) {
            if (i >= n)
                return false;
            size_t size = p[i++];
            if (size == 0)
                break;
            if (size > n - i)
                return false;
            i += size;
        }
    }
    return false;
}

/* WebP (RFC 9649): a RIFF container whose first chunk is VP8 (lossy: the
 * key frame's 14-bit sizes), VP8L (lossless: 14-bit sizes minus one) or
 * VP8X (extended: the 24-bit canvas size minus one). */
static bool webp_size(const unsigned char *p, size_t n, image_info *out)
{
    if (n < 20 || memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WEBP", 4) != 0)
        return false;
    const unsigned char *c = p + 12, *d = p + 20;
    size_t avail = n - 20;
    if (memcmp(c, "VP8 ", 4) == 0) {
        /* frame tag (3 bytes, bit 0 clear for a key frame), start code 9D 01 2A */
        if (avail < 10 || (d[0] & 1) != 0 || d[3] != 0x9D || d[4] != 0x01 || d[5] != 0x2A)
            return false;
        return found(out, IMAGE_WEBP, le16(d + 6) & 0x3FFF, le16(d + 8) & 0x3FFF);
    }
    if (memcmp(c, "VP8L", 4) == 0) {
        if (avail < 5 || d[0] != 0x2F)
            return false;
        uint32_t bits =
            (uint32_t)d[1] | (uint32_t)d[2] << 8 | (uint32_t)d[3] << 16 | (uint32_t)d[4] << 24;
        return found(out, IMAGE_WEBP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    }
    if (memcmp(c, "VP8X", 4) == 0) {
        if (avail < 10)
            return false;
        return found(out, IMAGE_WEBP, le24(d + 4) + 1, le24(d + 7) + 1);
    }
    return false;
}

bool image_size(const unsigned char *p, size_t n, image_info *out)
{
    *out = (image_info){IMAGE_UNKNOWN, 0, 0};
    if (!p)
        return false;
    if (png_size(p, n, out) || jpeg_size(p, n, out) || gif_size(p, n, out) || webp_size(p, n, out))
        return true;
    *out = (image_info){IMAGE_UNKNOWN, 0, 0};
    return false;
}
