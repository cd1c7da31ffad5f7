package idreader

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/image/bmp"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// baseFields are the widths in bytes of the fields of the general
// interface's base message (文字信息), UCS-2LE, space padded, in order.
var baseFields = []struct {
	name  string
	width int
}{
	{"name", 30}, {"sex", 2}, {"nation", 4}, {"birth", 16}, {"address", 70},
	{"id", 36}, {"authority", 30}, {"from", 16}, {"to", 16},
}

// baseMsgLen is the length of the fields above (the message is 256 bytes:
// 36 more are reserved).
const baseMsgLen = 220

// ucs2 decodes UCS-2LE (UTF-16LE) text and trims its padding.
func ucs2(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return trimPad(string(utf16.Decode(u)))
}

func trimPad(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// local decodes text an SDK returns in the system's code page: GB 18030
// (GBK) as on Chinese Windows, or UTF-8 as some Linux builds return it.
// Bytes are taken as UTF-8 only when they are valid UTF-8 of ASCII and
// CJK characters: short GBK can be valid UTF-8 too (女 is C5 AE, UTF-8 of Ů).
func local(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if utf8.Valid(b) && cjkOrASCII(string(b)) {
		return strings.TrimSpace(string(b))
	}
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return strings.TrimSpace(string(bytes.ToValidUTF8(b, []byte("\uFFFD"))))
	}
	return strings.TrimSpace(string(s))
}

func cjkOrASCII(s string) bool {
	for _, r := range s {
		if r >= 0x80 && r < 0x2E80 {
			return false
		}
	}
	return true
}

// decodeBase decodes the base message into c.
func decodeBase(msg []byte, c *Card) error {
	if len(msg) < baseMsgLen {
		return fmt.Errorf("base message of %d bytes, want %d: %w", len(msg), baseMsgLen, ErrRead)
	}
	f := map[string]string{}
	off := 0
	for _, bf := range baseFields {
		f[bf.name] = ucs2(msg[off : off+bf.width])
		off += bf.width
	}
	raw := rawCard{name: f["name"], sex: f["sex"], nation: f["nation"], birth: f["birth"], address: f["address"],
		id: f["id"], authority: f["authority"], from: f["from"], to: f["to"]}
	return raw.decode(c)
}

// rawCard is a card's text as an SDK gives it.
type rawCard struct {
	name, sex, nation, birth, address, id, authority, from, to string
}

// decode turns the SDK's text into the catalogue's values.
func (r rawCard) decode(c *Card) error {
	c.Name = strings.ReplaceAll(r.name, " ", "")
	c.Sex = Sex(r.sex)
	c.Ethnicity = Ethnicity(r.nation)
	c.Address = r.address
	c.IDNumber = strings.ToUpper(strings.TrimSpace(r.id))
	c.Authority = r.authority
	var err error
	if c.Birth, err = Date(r.birth); err != nil {
		return fmt.Errorf("birth: %w", err)
	}
	if c.ValidFrom, err = Date(r.from); err != nil {
		return fmt.Errorf("valid from: %w", err)
	}
	if strings.TrimSpace(r.to) == "长期" {
		c.ValidTo = "长期"
	} else if c.ValidTo, err = Date(r.to); err != nil {
		return fmt.Errorf("valid to: %w", err)
	}
	if c.Name == "" || c.IDNumber == "" {
		return fmt.Errorf("card without name or id number: %w", ErrRead)
	}
	return nil
}

// Date turns a card date (YYYYMMDD, also written with - or .) into
// YYYY-MM-DD; empty stays empty.
func Date(s string) (string, error) {
	var digits []byte
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits = append(digits, byte(r))
		}
	}
	if len(digits) == 0 {
		return "", nil
	}
	t, err := time.Parse("20060102", string(digits))
	if err != nil {
		return "", fmt.Errorf("date %q: %w", s, ErrRead)
	}
	return t.Format("2006-01-02"), nil
}

// Sex turns the card's GB/T 2261.1 code (or the word an SDK gives) into
// the catalogue's 男 or 女; 0 (未知) and 9 (未说明) give "".
func Sex(s string) string {
	switch strings.TrimSpace(s) {
	case "1", "男":
		return "男"
	case "2", "女":
		return "女"
	}
	return ""
}

// nations is GB/T 3304 (中国各民族名称的罗马字母拼写法和代码), by numeric code.
var nations = map[string]string{
	"01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族", "05": "维吾尔族", "06": "苗族", "07": "彝族", "08": "壮族",
	"09": "布依族", "10": "朝鲜族", "11": "满族", "12": "侗族", "13": "瑶族", "14": "白族", "15": "土家族", "16": "哈尼族",
	"17": "哈萨克族", "18": "傣族", "19": "黎族", "20": "傈僳族", "21": "佤族", "22": "畲族", "23": "高山族", "24": "拉祜族",
	"25": "水族", "26": "东乡族", "27": "纳西族", "28": "景颇族", "29": "柯尔克孜族", "30": "土族", "31": "达斡尔族",
	"32": "仫佬族", "33": "羌族", "34": "布朗族", "35": "撒拉族", "36": "毛南族", "37": "仡佬族", "38": "锡伯族",
	"39": "阿昌族", "40": "普米族", "41": "塔吉克族", "42": "怒族", "43": "乌孜别克族", "44": "俄罗斯族", "45": "鄂温克族",
	"46": "德昂族", "47": "保安族", "48": "裕固族", "49": "京族", "50": "塔塔尔族", "51": "独龙族", "52": "鄂伦春族",
	"53": "赫哲族", "54": "门巴族", "55": "珞巴族", "56": "基诺族", "97": "其他", "98": "外国血统中国籍人士",
}

// Ethnicity turns the card's 民族 into the GB/T 3304 name the catalogue
// uses (汉族): from the two-digit code of the general interface, or from
// the name as printed on the card (汉), which some SDKs return. A value
// that is neither is kept as it is.
func Ethnicity(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		s = "0" + s
	}
	if n, ok := nations[s]; ok {
		return n
	}
	for _, n := range nations {
		if s == n || s+"族" == n {
			return n
		}
	}
	return s
}

// bmpToPNG re-encodes a BMP photo as PNG.
func bmpToPNG(b []byte) ([]byte, error) {
	img, err := bmp.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("photo bmp: %w", err)
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("photo png: %w", err)
	}
	return out.Bytes(), nil
}
