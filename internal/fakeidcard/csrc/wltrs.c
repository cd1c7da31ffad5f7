/* A fake WltRS: GetBmp(file, intf) decodes NAME.wlt into NAME.bmp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "photo.h"

int GetBmp(char *file, int intf) {
	(void)intf;
	unsigned char wlt[1024] = {0};
	FILE *f = fopen(file, "rb");
	if (!f) return -1;
	size_t n = fread(wlt, 1, sizeof wlt, f);
	fclose(f);
	if (n != sizeof wlt) return -2;
	size_t len = strlen(file);
	char *out = malloc(len + 1);
	strcpy(out, file);
	if (len > 4) strcpy(out + len - 4, ".bmp");
	unsigned char bmp[PHOTO_BMP];
	photo_bmp(wlt, bmp);
	f = fopen(out, "wb");
	free(out);
	if (!f) return -3;
	fwrite(bmp, 1, sizeof bmp, f);
	fclose(f);
	return 1;
}
