/* libFuzzer target: image_size() (domain/image_size.h), which reads the
 * header of every uploaded image before any decoder sees it.
 * Must hold: no crash and no read past the input (ASan); a success names
 * one of the four formats, with both sizes at least 1 and the format's own
 * signature at the start; the answer depends only on the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/image_size.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    image_info a, b;
    bool ok = image_size(data, size, &a);
    if (!ok) {
        if (a.format != IMAGE_UNKNOWN || a.width || a.height)
            abort();
        return 0;
    }
    if (a.width == 0 || a.height == 0)
        abort();
    switch (a.format) {
    case IMAGE_PNG:
        if (size < 24 || data[0] != 0x89 || a.width > 0x7FFFFFFFu || a.height > 0x7FFFFFFFu)
            abort();
        break;
    case IMAGE_JPEG:
        if (size < 4 || data[0] != 0xFF || data[1] != 0xD8 || a.width > 0xFFFF || a.height > 0xFFFF)
            abort();
        break;
    case IMAGE_GIF:
        if (size < 13 || memcmp(data, "GIF8", 4) != 0 || a.width > 0x1FFFE || a.height > 0x1FFFE)
            abort();
        break;
    case IMAGE_WEBP:
        if (size < 20 || memcmp(data, "RIFF", 4) != 0 || a.width > 0x1000000u ||
            a.height > 0x1000000u)
            abort();
        break;
    default: abort();
    }
    /* The same bytes elsewhere give the same answer. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (!image_size(copy, size, &b) || b.format != a.format || b.width != a.width ||
        b.height != a.height)
        abort();
    free(copy);
    return 0;
}
