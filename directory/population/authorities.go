package population

import (
	"math/rand/v2"
	"strconv"
	"sync"

	"signpost"
)

// Authority is an English local authority with its postcode areas, schools and GP practices.
type Authority struct {
	Code          string             // ONS GSS code, e.g. "E08000035" for Leeds
	Name          string             // "Leeds"
	PostcodeAreas []string           // outward-code prefixes such as "LS"
	Schools       []signpost.Setting // Code = 6-digit URN, Name, Phone (01xx landline format)
	GPs           []signpost.Setting // Code = ODS code like "B86001", Name, Phone
}

// areaSpec is a postcode area and the district numbers used within it.
type areaSpec struct {
	area   string
	lo, hi int
}

// authoritySpec is the fixed source data of one authority.
type authoritySpec struct {
	code, name string
	la         int // DfE local-authority number (first three digits of a UPN)
	weight     int // share of children, roughly the population in thousands
	areas      []areaSpec
	phone      string // Ofcom drama-range prefix; three more digits are appended
	ods        string // letter and two digits starting the GP practices' ODS codes
	boost      uint8  // name community over-represented locally
	boostPer   int    // per mille of families drawn from that community's surnames
	places     []string
}

// Phone numbers are from Ofcom's ranges reserved for drama (0113 496 0xxx and
// similar, 020 7946 0xxx in London, 01632 960xxx elsewhere), so none is real.
var authoritySpecs = []authoritySpec{
	{"E08000035", "Leeds", 383, 812, []areaSpec{{"LS", 1, 28}}, "0113 496 0", "B86", groupSouthAsianMuslim, 50,
		[]string{"Roundhay", "Chapel Allerton", "Headingley", "Horsforth", "Armley", "Beeston", "Harehills", "Meanwood",
			"Moortown", "Kirkstall", "Bramley", "Pudsey", "Garforth", "Rothwell", "Morley", "Seacroft", "Crossgates",
			"Otley", "Wetherby", "Alwoodley", "Hunslet", "Holbeck", "Burley", "Farsley", "Guiseley"}},
	{"E08000003", "Manchester", 352, 552, []areaSpec{{"M", 1, 40}}, "0161 496 0", "P84", groupSouthAsianMuslim, 100,
		[]string{"Didsbury", "Chorlton", "Withington", "Fallowfield", "Rusholme", "Levenshulme", "Longsight", "Gorton",
			"Moss Side", "Hulme", "Ancoats", "Ardwick", "Harpurhey", "Moston", "Blackley", "Crumpsall", "Cheetham Hill",
			"Openshaw", "Burnage", "Wythenshawe", "Northenden", "Baguley", "Whalley Range", "Clayton", "Newton Heath"}},
	{"E08000032", "Bradford", 380, 546, []areaSpec{{"BD", 1, 22}}, "01632 960", "B83", groupSouthAsianMuslim, 250,
		[]string{"Manningham", "Heaton", "Girlington", "Allerton", "Thornton", "Clayton", "Queensbury", "Wibsey",
			"Bierley", "Bowling", "Little Horton", "Great Horton", "Eccleshill", "Idle", "Thackley", "Shipley", "Baildon",
			"Bingley", "Keighley", "Ilkley", "Wyke", "Tong", "Undercliffe", "Laisterdyke", "Frizinghall"}},
	{"E08000019", "Sheffield", 373, 556, []areaSpec{{"S", 1, 14}}, "0114 496 0", "C88", groupSouthAsianMuslim, 50,
		[]string{"Hillsborough", "Crookes", "Walkley", "Broomhill", "Ecclesall", "Nether Edge", "Sharrow", "Heeley",
			"Meersbrook", "Woodseats", "Firth Park", "Darnall", "Attercliffe", "Handsworth", "Gleadless", "Manor Top",
			"Stannington", "Loxley", "Parson Cross", "Shiregreen", "Totley", "Dore", "Beighton", "Mosborough", "Norton"}},
	{"E08000025", "Birmingham", 330, 1145, []areaSpec{{"B", 1, 45}}, "0121 496 0", "M85", groupSouthAsianMuslim, 150,
		[]string{"Handsworth", "Aston", "Edgbaston", "Moseley", "Kings Heath", "Selly Oak", "Harborne", "Erdington",
			"Sparkbrook", "Sparkhill", "Small Heath", "Bordesley Green", "Ladywood", "Perry Barr", "Kingstanding",
			"Sutton Coldfield", "Northfield", "Longbridge", "Yardley", "Acocks Green", "Hall Green", "Stechford",
			"Balsall Heath", "Bournville", "Quinton"}},
	{"E06000023", "Bristol", 801, 472, []areaSpec{{"BS", 1, 16}}, "0117 496 0", "L81", groupWestAfrican, 30,
		[]string{"Clifton", "Redland", "Cotham", "Bedminster", "Southville", "Bishopston", "Horfield", "Fishponds",
			"Easton", "St Pauls", "Knowle", "Brislington", "Henleaze", "Westbury-on-Trym", "Lawrence Hill", "Hartcliffe",
			"Withywood", "Lockleaze", "Southmead", "Stockwood", "Hengrove", "Kingsweston", "Avonmouth", "Shirehampton",
			"Totterdown"}},
	{"E08000021", "Newcastle upon Tyne", 391, 300, []areaSpec{{"NE", 1, 15}}, "0191 498 0", "A86", groupSouthAsianMuslim, 30,
		[]string{"Jesmond", "Heaton", "Byker", "Walker", "Benwell", "Elswick", "Fenham", "Gosforth", "Kenton", "Fawdon",
			"Westerhope", "Denton", "Walkergate", "Sandyford", "Arthur's Hill", "Scotswood", "Newburn", "Lemington",
			"Kingston Park", "Cowgate", "Blakelaw", "Throckley", "Wingrove", "Shieldfield", "Ouseburn"}},
	{"E08000012", "Liverpool", 341, 486, []areaSpec{{"L", 1, 27}}, "0151 496 0", "N82", groupGeneral, 0,
		[]string{"Anfield", "Everton", "Walton", "Kirkdale", "Toxteth", "Wavertree", "Allerton", "Woolton", "Garston",
			"Speke", "Aigburth", "Mossley Hill", "Childwall", "Old Swan", "Kensington", "Fairfield", "West Derby",
			"Croxteth", "Norris Green", "Fazakerley", "Clubmoor", "Tuebrook", "Dingle", "Belle Vale", "Knotty Ash"}},
	{"E10000016", "Kent", 886, 1576, []areaSpec{{"CT", 1, 21}, {"ME", 1, 20}, {"TN", 1, 30}}, "01632 960", "G82", groupPolish, 20,
		[]string{"Canterbury", "Maidstone", "Ashford", "Folkestone", "Dover", "Margate", "Ramsgate", "Broadstairs",
			"Whitstable", "Herne Bay", "Sittingbourne", "Faversham", "Tonbridge", "Tunbridge Wells", "Sevenoaks", "Deal",
			"Sandwich", "Hythe", "Gravesend", "Dartford", "Aylesford", "Snodland", "Cranbrook", "Tenterden", "Edenbridge"}},
	{"E06000052", "Cornwall", 908, 570, []areaSpec{{"TR", 1, 27}, {"PL", 11, 32}}, "01632 960", "L82", groupGeneral, 0,
		[]string{"Truro", "Falmouth", "Penzance", "St Ives", "Camborne", "Redruth", "Newquay", "Bodmin", "St Austell",
			"Liskeard", "Launceston", "Saltash", "Torpoint", "Helston", "Hayle", "Wadebridge", "Padstow", "Looe", "Bude",
			"Callington", "Fowey", "Perranporth", "Lostwithiel", "St Columb", "Penryn"}},
	{"E09000007", "Camden", 202, 210, []areaSpec{{"NW", 1, 11}}, "020 7946 0", "F83", groupSouthAsianMuslim, 60,
		[]string{"Kentish Town", "Camden Town", "Gospel Oak", "Belsize Park", "Hampstead", "West Hampstead",
			"Swiss Cottage", "Primrose Hill", "Somers Town", "Holborn", "Bloomsbury", "King's Cross", "Fortune Green",
			"Highgate", "Dartmouth Park", "Chalk Farm", "Kilburn", "Regent's Park", "Frognal", "Haverstock", "St Pancras",
			"Fitzrovia", "Covent Garden", "South End Green", "Brecknock"}},
	{"E10000020", "Norfolk", 926, 916, []areaSpec{{"NR", 1, 35}}, "01632 960", "D82", groupPolish, 30,
		[]string{"Norwich", "Great Yarmouth", "King's Lynn", "Thetford", "Dereham", "Wymondham", "Attleborough", "Diss",
			"Swaffham", "Fakenham", "North Walsham", "Cromer", "Sheringham", "Aylsham", "Downham Market", "Hunstanton",
			"Wells", "Holt", "Watton", "Hingham", "Loddon", "Reepham", "Stalham", "Acle", "Hethersett"}},
	{"E06000018", "Nottingham", 892, 323, []areaSpec{{"NG", 1, 11}}, "0115 496 0", "C84", groupSouthAsianMuslim, 50,
		[]string{"Sherwood", "Bulwell", "Basford", "Radford", "Lenton", "Sneinton", "St Ann's", "Hyson Green",
			"Bestwood", "Clifton", "Wollaton", "Aspley", "Bilborough", "Mapperley", "Carrington", "Forest Fields",
			"Meadows", "Top Valley", "Rise Park", "Strelley", "Broxtowe", "Dunkirk", "Berridge", "Bakersfield", "Wilford"}},
	{"E06000016", "Leicester", 856, 368, []areaSpec{{"LE", 1, 5}}, "0116 496 0", "C82", groupIndian, 220,
		[]string{"Belgrave", "Evington", "Aylestone", "Braunstone", "Beaumont Leys", "Highfields", "Knighton",
			"Humberstone", "Rushey Mead", "Westcotes", "Clarendon Park", "Stoneygate", "New Parks", "Eyres Monsell",
			"Hamilton", "Spinney Hills", "Abbey", "Saffron", "Thurnby Lodge", "Netherhall", "Western Park", "Mowmacre",
			"Goodwood", "Crown Hills", "Fosse"}},
	{"E06000014", "York", 816, 202, []areaSpec{{"YO", 23, 32}}, "01632 960", "B82", groupGeneral, 0,
		[]string{"Acomb", "Clifton", "Heworth", "Fulford", "Dringhouses", "Huntington", "Haxby", "Osbaldwick",
			"Tang Hall", "Bishopthorpe", "Holgate", "Poppleton", "Strensall", "Wigginton", "Copmanthorpe", "Dunnington",
			"Heslington", "Woodthorpe", "Rawcliffe", "Burnholme", "Skelton", "Elvington", "Naburn", "Askham Bryan",
			"Earswick"}},
	{"E09000012", "Hackney", 204, 259, []areaSpec{{"E", 2, 9}, {"N", 1, 16}}, "020 7946 0", "F84", groupWestAfrican, 100,
		[]string{"Dalston", "Homerton", "Clapton", "Stoke Newington", "Hackney Wick", "Shoreditch", "Hoxton",
			"De Beauvoir", "Stamford Hill", "Haggerston", "Kingsland", "Lea Bridge", "London Fields", "Victoria Park",
			"Hackney Downs", "Springfield", "Cazenove", "Woodberry Down", "Brownswood", "Shacklewell", "Hackney Central",
			"Mildmay", "Kings Park", "Hoxton East", "Lower Clapton"}},
}

const (
	primariesPer   = 14
	secondariesPer = 6
	gpsPer         = 10
)

// authData is an Authority with what the generator needs besides.
type authData struct {
	spec        *authoritySpec
	pub         *Authority
	estab       []int // DfE establishment number per school (4 digits)
	primaries   []int // indexes into pub.Schools
	secondaries []int
	// Address suffix ", Leeds".
	townSuffix string
}

type authTables struct {
	list    []Authority
	data    []authData
	weights *weighted // authorities by share of children
}

var tables = sync.OnceValue(buildAuthorities)

// Authorities returns the fixed list of authorities. It is built once; every
// call returns the same slice, which callers must not modify.
func Authorities() []Authority { return tables().list }

func buildAuthorities() *authTables {
	t := &authTables{
		list:    make([]Authority, len(authoritySpecs)),
		data:    make([]authData, len(authoritySpecs)),
		weights: &weighted{},
	}
	for ai := range authoritySpecs {
		s := &authoritySpecs[ai]
		a := &t.list[ai]
		d := &t.data[ai]
		a.Code, a.Name = s.code, s.name
		for _, ar := range s.areas {
			a.PostcodeAreas = append(a.PostcodeAreas, ar.area)
		}
		d.spec, d.pub, d.townSuffix = s, a, ", "+s.name
		// A fixed stream per authority picks the name patterns, so the list is
		// the same on every run and platform.
		r := rand.New(rand.NewPCG(uint64(ai)+1, 0x5c4001))
		phoneSeq := 0
		phone := func() string {
			n := (phoneSeq*37 + ai*11) % 1000
			phoneSeq++
			return s.phone + pad(n, 3)
		}
		ded := r.IntN(len(dedications))
		for i := 0; i < primariesPer; i++ {
			place := s.places[i]
			var name string
			switch p := r.IntN(100); {
			case p < 50:
				name = place + " Primary School"
			case p < 62:
				name = place + " Primary Academy"
			case p < 72:
				name = place + " Community Primary School"
			case p < 80:
				name = place + " C of E Primary School"
			case p < 86:
				name = place + " Infant and Junior School"
			default:
				name = dedications[ded%len(dedications)] + " Primary School"
				ded++
			}
			d.primaries = append(d.primaries, len(a.Schools))
			d.estab = append(d.estab, 2000+(ai*53+i*41)%1000)
			a.Schools = append(a.Schools, signpost.Setting{Code: urn(ai, len(a.Schools)), Name: name, Phone: phone()})
		}
		for i := 0; i < secondariesPer; i++ {
			place := s.places[primariesPer+i]
			var name string
			switch p := r.IntN(100); {
			case p < 35:
				name = place + " High School"
			case p < 65:
				name = place + " Academy"
			case p < 78:
				name = place + " Community College"
			case p < 88:
				name = place + " School"
			default:
				name = dedications[ded%len(dedications)] + " High School"
				ded++
			}
			d.secondaries = append(d.secondaries, len(a.Schools))
			d.estab = append(d.estab, 4000+(ai*29+i*37)%1000)
			a.Schools = append(a.Schools, signpost.Setting{Code: urn(ai, len(a.Schools)), Name: name, Phone: phone()})
		}
		for i := 0; i < gpsPer; i++ {
			place := s.places[len(s.places)-1-2*i]
			var name string
			switch p := r.IntN(100); {
			case p < 35:
				name = place + " Medical Centre"
			case p < 55:
				name = place + " Surgery"
			case p < 70:
				name = place + " Health Centre"
			case p < 82:
				name = place + " Medical Practice"
			case p < 90:
				name = place + " Family Practice"
			default:
				name = "The " + place + " Practice"
			}
			code := s.ods + pad((i*7+1+ai*3)%1000, 3)
			a.GPs = append(a.GPs, signpost.Setting{Code: code, Name: name, Phone: phone()})
		}
		t.weights.add(s.name, s.weight, 0)
	}
	t.weights.build()
	return t
}

// urn returns a six-digit URN unique across all authorities' schools.
func urn(ai, i int) string { return strconv.Itoa(102417 + ai*2311 + i*53) }

// pad formats n with leading zeros to width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
