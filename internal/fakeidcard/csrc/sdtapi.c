/* A fake 公安部 general interface (sdtapi) for tests: a reader on one USB
   port holding one card (switches.h). */
#include "switches.h"
#include "photo.h"

static int open_port;

int SDT_OpenPort(int port) {
	if (port != wanted_port()) return 0x01;
	open_port = port;
	return 0x90;
}

int SDT_ClosePort(int port) {
	if (port == open_port) open_port = 0;
	return 0x90;
}

int SDT_StartFindIDCard(int port, unsigned char *mana, int ifOpen) {
	(void)ifOpen;
	if (port != open_port) return 0x01;
	if (no_card()) return 0x80;
	memset(mana, 0, 4);
	return 0x9f;
}

int SDT_SelectIDCard(int port, unsigned char *mana, int ifOpen) {
	(void)ifOpen;
	if (port != open_port || no_card()) return 0x81;
	memset(mana, 0, 8);
	return 0x90;
}

/* field writes UTF-8 s as UCS-2LE into width bytes at p, padded with spaces. */
static void field(unsigned char *p, int width, const char *s) {
	int n = 0;
	const unsigned char *u = (const unsigned char *)s;
	while (*u && n + 2 <= width) {
		unsigned c;
		if (*u < 0x80) c = *u++;
		else if ((*u & 0xE0) == 0xC0) { c = (*u & 0x1F) << 6 | (u[1] & 0x3F); u += 2; }
		else { c = (*u & 0x0F) << 12 | (u[1] & 0x3F) << 6 | (u[2] & 0x3F); u += 3; }
		p[n++] = c & 0xFF; p[n++] = c >> 8;
	}
	while (n + 2 <= width) { p[n++] = ' '; p[n++] = 0; }
}

int SDT_ReadBaseMsg(int port, unsigned char *text, unsigned int *textLen,
		unsigned char *photo, unsigned int *photoLen, int ifOpen) {
	(void)ifOpen;
	if (port != open_port || no_card()) return 0x41;
	unsigned char *p = text;
	field(p, 30, "王建䶮"); p += 30;
	field(p, 2, "1"); p += 2;
	field(p, 4, "10"); p += 4;
	field(p, 16, "19900307"); p += 16;
	field(p, 70, "北京市东城区东华门街道南池子大街12号"); p += 70;
	field(p, 36, "110101199003078515"); p += 36;
	field(p, 30, "北京市公安局东城分局"); p += 30;
	field(p, 16, "20150101"); p += 16;
	field(p, 16, "20350101"); p += 16;
	memset(p, ' ', 36);
	*textLen = 256;
	fake_wlt(photo);
	*photoLen = 1024;
	return 0x90;
}
