/* The fake card's photo: a 102x126 24-bit BMP whose pixels follow from the
   WLT bytes (fakeidcard.PhotoPixel computes the same in Go). */
#include <string.h>

#define PHOTO_W 102
#define PHOTO_H 126
#define PHOTO_ROW ((PHOTO_W * 3 + 3) & ~3)
#define PHOTO_BMP (54 + PHOTO_ROW * PHOTO_H)

static void fake_wlt(unsigned char *wlt) {
	for (int i = 0; i < 1024; i++) wlt[i] = (unsigned char)((i * 31 + 7) % 251);
}

static void put32(unsigned char *p, unsigned v) { p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }

/* photo_bmp writes the whole BMP file (PHOTO_BMP bytes) for wlt into out. */
static void photo_bmp(const unsigned char *wlt, unsigned char *out) {
	memset(out, 0, PHOTO_BMP);
	out[0] = 'B'; out[1] = 'M';
	put32(out + 2, PHOTO_BMP);
	put32(out + 10, 54);
	put32(out + 14, 40);
	put32(out + 18, PHOTO_W);
	put32(out + 22, PHOTO_H);
	out[26] = 1; out[28] = 24;
	put32(out + 34, PHOTO_ROW * PHOTO_H);
	for (int y = 0; y < PHOTO_H; y++) {
		unsigned char *row = out + 54 + (PHOTO_H - 1 - y) * PHOTO_ROW; /* bottom-up */
		for (int x = 0; x < PHOTO_W; x++) {
			unsigned char r = wlt[(x * 7 + y) % 1024], g = wlt[(y * 3 + x) % 1024], b = (unsigned char)(x + y);
			row[3 * x] = b; row[3 * x + 1] = g; row[3 * x + 2] = r;
		}
	}
}
