package casework

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Generator makes realistic synthetic veterans and cases for tests,
// benchmarks and the demo data set. The same seed gives the same cases.
// Nothing it makes belongs to a real person: the ID numbers are valid in
// form only, with random sequence codes.
type Generator struct {
	cat *Catalogue
	rng *rand.Rand
	now time.Time
}

// NewGenerator returns a generator over cat; now is the "today" that
// discharge dates are drawn before.
func NewGenerator(cat *Catalogue, seed uint64, now time.Time) *Generator {
	return &Generator{cat: cat, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: now}
}

var (
	surnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
	given    = []rune("伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽")
	// rare characters that must survive input, storage and print
	rareGiven = []string{"堃", "喆", "䶮", "镕", "玥", "赟", "𠮷", "昇", "淼", "犇"}
	ethnic    = []string{"汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "满族", "回族", "朝鲜族", "蒙古族"}
	roads     = []string{"文化中路", "新威路", "青岛北路", "统一路", "海滨北路", "昆明路", "世昌大道", "米山路", "龙山路", "成山大道", "胜利街", "府前路"}
	banks     = []string{"中国工商银行威海分行", "中国农业银行威海分行", "中国建设银行威海分行", "威海市商业银行", "中国银行威海分行", "中国邮政储蓄银行威海分行"}
	bankBINs  = []string{"622202", "622848", "621700", "621467", "621661", "621799"}
)

// Name returns a plausible Chinese name; about one in twenty-five carries a
// rare character such as 堃, 喆 or 䶮.
func (g *Generator) Name() string {
	s := string(surnames[g.rng.IntN(len(surnames))])
	if g.rng.IntN(25) == 0 {
		return s + rareGiven[g.rng.IntN(len(rareGiven))] + g.givenChar()
	}
	if g.rng.IntN(4) == 0 {
		return s + g.givenChar()
	}
	return s + g.givenChar() + g.givenChar()
}

func (g *Generator) givenChar() string { return string(given[g.rng.IntN(len(given))]) }

// IDNumber returns a well-formed ID number for area and birth, male or not.
func (g *Generator) IDNumber(area string, birth time.Time, male bool) string {
	seq := g.rng.IntN(500) * 2
	if male {
		seq++
	}
	first := fmt.Sprintf("%s%s%03d", area, birth.Format("20060102"), seq)
	return first + string(IDCheckDigit(first))
}

// idAreas are the divisions whose codes may start an ID number.
func (g *Generator) idAreas() []string {
	var out []string
	for _, d := range g.cat.Divisions {
		if d.IDCode && d.Kind != "city" {
			out = append(out, d.Code)
		}
	}
	if len(out) == 0 {
		out = []string{"371002"}
	}
	return out
}

// Phone returns a mobile number.
func (g *Generator) Phone() string {
	prefixes := []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159", "176", "177", "180", "181", "186", "187", "188", "189", "199"}
	return fmt.Sprintf("%s%08d", prefixes[g.rng.IntN(len(prefixes))], g.rng.IntN(100000000))
}

// CreditCode returns a valid GB 32100 统一社会信用代码 of a company
// registered in Weihai.
func (g *Generator) CreditCode() string {
	body := []byte("913710")
	for len(body) < 17 {
		body = append(body, creditChars[g.rng.IntN(len(creditChars))])
	}
	sum := 0
	for i, c := range body {
		sum += indexByte(creditChars, c) * creditWeights[i]
	}
	return string(body) + string(creditChars[(31-sum%31)%31])
}

// BankAccount returns a 19-digit card number that passes Luhn.
func (g *Generator) BankAccount() string {
	body := bankBINs[g.rng.IntN(len(bankBINs))] + fmt.Sprintf("%012d", g.rng.Int64N(1e12))
	return body + string(LuhnDigit(body))
}

// Values returns the values of a synthetic veteran with placement chosen
// among the catalogue's placement types, filling every field the catalogue's
// items may ask for with a plausible value.
func (g *Generator) Values() map[string]string {
	v := map[string]string{}
	areas := g.idAreas()
	area := areas[g.rng.IntN(len(areas))]
	male := g.rng.IntN(12) != 0
	// soldiers: enlisted at 18..22, served 2..16 years, discharged within the last two years
	discharge := g.now.AddDate(0, 0, -1-g.rng.IntN(700))
	serviceMonths := 24 + g.rng.IntN(14*12)
	if serviceMonths < 36 { // a 义务兵 serves two years; 军士 at least three
		serviceMonths = 24
	}
	enlist := discharge.AddDate(0, -serviceMonths, -g.rng.IntN(28))
	birth := enlist.AddDate(-18-g.rng.IntN(5), -g.rng.IntN(12), -g.rng.IntN(28))
	category := "义务兵"
	switch {
	case serviceMonths > 12*12 && g.rng.IntN(3) == 0:
		category = "军官"
	case serviceMonths > 24:
		category = "军士"
	}
	var places []string
	for _, p := range g.cat.Placements {
		for _, c := range p.Categories {
			if c == category {
				places = append(places, p.Code)
			}
		}
	}
	placement := ""
	if len(places) > 0 {
		placement = places[0]
		if g.rng.IntN(3) == 0 {
			placement = places[g.rng.IntN(len(places))]
		}
		for _, p := range places { // most soldiers choose 自主就业
			if p == "self_employ" && g.rng.IntN(10) < 7 {
				placement = p
			}
		}
	}
	name := g.Name()
	sex := "女"
	if male {
		sex = "男"
	}
	v[FieldName] = name
	v[FieldSex] = sex
	v[FieldBirthDate] = birth.Format(dateLayout)
	v[FieldIDNumber] = g.IDNumber(area, birth, male)
	v[FieldPhone] = g.Phone()
	v[FieldCategory] = category
	v[FieldPlacement] = placement
	v[FieldEnlistDate] = enlist.Format(dateLayout)
	v[FieldDischargeDate] = discharge.Format(dateLayout)
	v[FieldDivision] = area
	v[FieldBankAccount] = g.BankAccount()
	div := g.cat.Division(area)
	divName := "威海市"
	if div != nil {
		divName = "威海市" + div.Name
	}
	addr := fmt.Sprintf("%s%s%d号", divName, roads[g.rng.IntN(len(roads))], 1+g.rng.IntN(300))
	asked := map[string]bool{}
	for _, it := range g.cat.Items {
		for _, ref := range it.Fields {
			asked[ref.Code] = true
		}
	}
	for _, f := range g.cat.Fields {
		if _, done := v[f.Code]; done || !asked[f.Code] {
			continue
		}
		if opts := g.ruleOptions(f.Code, v); len(opts) > 0 {
			v[f.Code] = opts[g.rng.IntN(len(opts))]
			continue
		}
		if opts := g.stationsIn(area); f.OptionsFrom == OptionsPoliceStations && len(opts) > 0 {
			v[f.Code] = opts[g.rng.IntN(len(opts))] // the station of the settlement address's division
			continue
		}
		switch f.Type {
		case TypeEnum:
			if opts := g.cat.Options(&f); len(opts) > 0 {
				v[f.Code] = opts[g.rng.IntN(len(opts))]
			}
		case TypeIDNumber:
			v[f.Code] = g.IDNumber(area, birth.AddDate(g.rng.IntN(5)-2, g.rng.IntN(12), 0), !male)
		case TypeDate:
			v[f.Code] = discharge.AddDate(0, 0, g.rng.IntN(20)).Format(dateLayout)
			if f.Code == "marriage_date" { // married before discharge
				v[f.Code] = discharge.AddDate(-2-g.rng.IntN(4), -g.rng.IntN(12), 0).Format(dateLayout)
			}
			if d, _ := time.Parse(dateLayout, v[f.Code]); d.After(g.now) {
				v[f.Code] = g.now.Format(dateLayout)
			}
		case TypeBoolean:
			v[f.Code] = []string{"是", "否"}[g.rng.IntN(2)]
		case TypeDivision:
			v[f.Code] = area
		case TypePhone:
			v[f.Code] = g.Phone()
		case TypeBank:
			v[f.Code] = g.BankAccount()
		case TypeMoney:
			v[f.Code] = fmt.Sprintf("%d.00", 1000+g.rng.IntN(90000))
		case TypeCreditCode:
			v[f.Code] = g.CreditCode()
		case TypeNumber:
			v[f.Code] = fmt.Sprintf("%d", 1+g.rng.IntN(20))
		case TypeText:
			switch {
			case f.Code == "ethnicity":
				v[f.Code] = ethnic[g.rng.IntN(len(ethnic))]
			case f.Code == "bank_name":
				v[f.Code] = banks[g.rng.IntN(len(banks))]
			case strings.Contains(f.Code, "address") || strings.Contains(f.Code, "hukou"):
				v[f.Code] = addr
			default:
				v[f.Code] = g.textFor(f)
			}
		}
	}
	if p := g.cat.Field(FieldServiceYears); p != nil {
		Derive(v)
	}
	return v
}

// ruleOptions returns the options the catalogue's option groups leave for
// field given the values so far (the ranks of the personnel category).
func (g *Generator) ruleOptions(field string, v map[string]string) []string {
	for _, og := range g.cat.Rules.OptionGroups {
		if og.Field == field {
			return og.Groups[v[og.By]]
		}
	}
	return nil
}

func (g *Generator) textFor(f Field) string {
	n := f.MaxLen
	if n == 0 || n > 12 {
		n = 12
	}
	s := fmt.Sprintf("%s%04d", f.Label, g.rng.IntN(10000))
	if f.MinLen > len([]rune(s)) {
		s += fmt.Sprintf("%0*d", f.MinLen, g.rng.IntN(1000))
	}
	if r := []rune(s); f.MaxLen > 0 && len(r) > f.MaxLen {
		s = string(r[:f.MaxLen])
	}
	return s
}

// Draft returns a draft case of a synthetic veteran who applies for every
// item eligible for its answers (or a random subset when all is false),
// with every needed material received.
func (g *Generator) Draft(id, office string, all bool) *Case {
	c := NewCase(id, g.cat, office, g.now)
	c.Values = g.Values()
	items := g.cat.ItemsFor(c.Values)
	if !all {
		var some []string
		for _, it := range items {
			if g.rng.IntN(3) != 0 {
				some = append(some, it)
			}
		}
		if len(some) > 0 {
			items = some
		}
	}
	c.SetItems(g.cat, items)
	for _, ms := range c.Materials {
		if ms.Status == MaterialRequired {
			ms.Status = MaterialOriginal
			if g.rng.IntN(3) == 0 {
				ms.Status = MaterialCopy
			}
		}
	}
	return c
}

// Rand exposes the generator's random source for callers that need more
// draws from the same seed.
func (g *Generator) Rand() *rand.Rand { return g.rng }
