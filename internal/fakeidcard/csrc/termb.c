/* A fake 华视 termb for tests: a reader on one port holding one card
   (switches.h). Text comes in GBK, as from termb.dll on Chinese Windows;
   the photo is written as zp.bmp beside the library. */
#include "switches.h"
#include "photo.h"

static int opened, read_done;

#ifdef _WIN32
int cvr_dep_ok(void); /* cvrdep.dll, beside termb.dll: found only if loaded from there */
#endif

int CVR_InitComm(int port) {
#ifdef _WIN32
	if (!cvr_dep_ok()) return 0;
#endif
	if (port != wanted_port()) return 0;
	opened = 1;
	return 1;
}

int CVR_CloseComm(void) { opened = 0; return 1; }

int CVR_Authenticate(void) {
	if (!opened || no_card()) return 0;
	return 1;
}

int CVR_Read_Content(int active) {
	if (!opened || active != 1) return 0;
	char out[4200];
	beside(out, sizeof out, "zp.bmp");
	unsigned char wlt[1024], bmp[PHOTO_BMP];
	fake_wlt(wlt);
	photo_bmp(wlt, bmp);
	FILE *f = fopen(out, "wb");
	if (!f) return 0;
	fwrite(bmp, 1, sizeof bmp, f);
	fclose(f);
	read_done = 1;
	return 1;
}

static int give(char *buf, int *len, const char *s) {
	if (!read_done) return 0;
	int n = (int)strlen(s);
	if (n >= *len) return 0;
	memcpy(buf, s, n + 1);
	*len = n;
	return 1;
}

int GetPeopleName(char *b, int *n) { return give(b, n, "\xc0\xee\xd0\xe3\xd3\xa2"); /* 李秀英 */ }
int GetPeopleSex(char *b, int *n) { return give(b, n, "\xc5\xae"); /* 女 */ }
int GetPeopleNation(char *b, int *n) { return give(b, n, "\xc2\xfa"); /* 满 */ }
int GetPeopleBirthday(char *b, int *n) { return give(b, n, "19920512"); }
int GetPeopleAddress(char *b, int *n) {
	/* 山东省威海市环翠区龙山路88号 */
	return give(b, n, "\xc9\xbd\xb6\xab\xca\xa1\xcd\xfe\xba\xa3\xca\xd0\xbb\xb7\xb4\xe4\xc7\xf8\xc1\xfa\xc9\xbd\xc2\xb7\x38\x38\xba\xc5");
}
int GetPeopleIDCode(char *b, int *n) { return give(b, n, "371002199205120048"); }
int GetDepartment(char *b, int *n) {
	/* 威海市公安局环翠分局 */
	return give(b, n, "\xcd\xfe\xba\xa3\xca\xd0\xb9\xab\xb0\xb2\xbe\xd6\xbb\xb7\xb4\xe4\xb7\xd6\xbe\xd6");
}
int GetStartDate(char *b, int *n) { return give(b, n, "20220601"); }
int GetEndDate(char *b, int *n) { return give(b, n, "\xb3\xa4\xc6\xda"); /* 长期 */ }
