/* A fake libwlt.so: unpack(src, dst, bmpSave) turns the fake WLT into the
   photo's BMP file. */
#include "photo.h"

int unpack(char *src, char *dst, int bmpSave) {
	(void)bmpSave;
	photo_bmp((const unsigned char *)src, (unsigned char *)dst);
	return 1;
}
