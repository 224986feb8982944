package population

// Name tables. Weights are approximate relative frequencies: surnames follow the
// order and rough proportions of the ONS/census surname counts for England and
// Wales; children's given names the ONS baby-name tables for births in England
// 2008–2024 (summed over the years, so Oliver and Amelia lead, Jack and Olivia
// close behind). They are for realistic-looking synthetic data, not statistics.

// Name communities. A family's surname carries a community, which biases the
// children's and carers' given names so that, say, a Hussain child is more
// likely to be called Maryam than Florence.
const (
	groupGeneral = iota
	groupSouthAsianMuslim
	groupIndian
	groupPolish
	groupWestAfrican
	numGroups
)

type surnameW struct {
	name  string
	w     int
	group uint8
}

type nameW struct {
	name string
	w    int
}

// surnames: about 210 family names, weights roughly in thousands of holders.
var surnames = []surnameW{
	{"Smith", 550, 0}, {"Jones", 420, 0}, {"Williams", 300, 0}, {"Taylor", 250, 0}, {"Brown", 220, 0},
	{"Davies", 210, 0}, {"Evans", 170, 0}, {"Wilson", 152, 0}, {"Thomas", 150, 0}, {"Johnson", 140, 0},
	{"Roberts", 138, 0}, {"Robinson", 122, 0}, {"Thompson", 120, 0}, {"Wright", 118, 0}, {"Walker", 115, 0},
	{"White", 110, 0}, {"Edwards", 108, 0}, {"Hughes", 105, 0}, {"Green", 104, 0}, {"Hall", 100, 0},
	{"Lewis", 99, 0}, {"Harris", 98, 0}, {"Clarke", 95, 0}, {"Patel", 95, groupIndian}, {"Jackson", 90, 0},
	{"Wood", 89, 0}, {"Turner", 86, 0}, {"Martin", 85, 0}, {"Cooper", 84, 0}, {"Hill", 84, 0},
	{"Ward", 80, 0}, {"Morris", 80, 0}, {"Moore", 79, 0}, {"Clark", 78, 0}, {"Lee", 78, 0},
	{"King", 77, 0}, {"Baker", 76, 0}, {"Harrison", 75, 0}, {"Morgan", 74, 0}, {"Allen", 72, 0},
	{"James", 71, 0}, {"Scott", 70, 0}, {"Phillips", 68, 0}, {"Watson", 67, 0}, {"Davis", 66, 0},
	{"Parker", 65, 0}, {"Price", 64, 0}, {"Bennett", 63, 0}, {"Young", 62, 0}, {"Griffiths", 62, 0},
	{"Mitchell", 61, 0}, {"Kelly", 60, 0}, {"Cook", 60, 0}, {"Carter", 59, 0}, {"Richardson", 58, 0},
	{"Bailey", 57, 0}, {"Collins", 57, 0}, {"Bell", 56, 0}, {"Shaw", 56, 0}, {"Murphy", 55, 0},
	{"Miller", 55, 0}, {"Cox", 54, 0}, {"Richards", 54, 0}, {"Khan", 53, groupSouthAsianMuslim}, {"Marshall", 52, 0},
	{"Anderson", 52, 0}, {"Simpson", 51, 0}, {"Ellis", 51, 0}, {"Adams", 50, 0}, {"Singh", 50, groupIndian},
	{"Begum", 49, groupSouthAsianMuslim}, {"Wilkinson", 48, 0}, {"Foster", 48, 0}, {"Chapman", 47, 0}, {"Powell", 47, 0},
	{"Webb", 46, 0}, {"Rogers", 46, 0}, {"Gray", 45, 0}, {"Mason", 45, 0}, {"Ali", 45, groupSouthAsianMuslim},
	{"Hunt", 44, 0}, {"Hussain", 44, groupSouthAsianMuslim}, {"Campbell", 43, 0}, {"Matthews", 43, 0}, {"Owen", 43, 0},
	{"Palmer", 42, 0}, {"Holmes", 42, 0}, {"Mills", 41, 0}, {"Barnes", 41, 0}, {"Knight", 40, 0},
	{"Lloyd", 40, 0}, {"Butler", 40, 0}, {"Russell", 39, 0}, {"Barker", 39, 0}, {"Fisher", 39, 0},
	{"Stevens", 38, 0}, {"Jenkins", 38, 0}, {"Murray", 38, 0}, {"Dixon", 37, 0}, {"Harvey", 37, 0},
	{"Graham", 36, 0}, {"Pearson", 36, 0}, {"Ahmed", 36, groupSouthAsianMuslim}, {"Fletcher", 35, 0}, {"Walsh", 35, 0},
	{"Kaur", 35, groupIndian}, {"Gibson", 34, 0}, {"Howard", 34, 0}, {"Andrews", 34, 0}, {"Stewart", 33, 0},
	{"Elliott", 33, 0}, {"Reynolds", 33, 0}, {"Saunders", 32, 0}, {"Payne", 32, 0}, {"Fox", 32, 0},
	{"Ford", 31, 0}, {"Pearce", 31, 0}, {"Day", 31, 0}, {"Brooks", 30, 0}, {"West", 30, 0},
	{"Lawrence", 30, 0}, {"Cole", 30, 0}, {"Atkinson", 29, 0}, {"Bradley", 29, 0}, {"Spencer", 29, 0},
	{"Gill", 28, groupIndian}, {"Dawson", 28, 0}, {"Ball", 28, 0}, {"Burton", 28, 0}, {"O'Brien", 27, 0},
	{"Watts", 27, 0}, {"Rose", 27, 0}, {"Booth", 27, 0}, {"Perry", 26, 0}, {"Ryan", 26, 0},
	{"Grant", 26, 0}, {"Wells", 26, 0}, {"Armstrong", 25, 0}, {"Francis", 25, 0}, {"Rees", 25, 0},
	{"Hayes", 25, 0}, {"Hart", 24, 0}, {"Hudson", 24, 0}, {"Newman", 24, 0}, {"Barrett", 24, 0},
	{"Webster", 24, 0}, {"Hunter", 23, 0}, {"Gregory", 23, 0}, {"Carr", 23, 0}, {"Lowe", 23, 0},
	{"Page", 23, 0}, {"Marsh", 22, 0}, {"Riley", 22, 0}, {"Dunn", 22, 0}, {"Woods", 22, 0},
	{"Parsons", 22, 0}, {"Berry", 22, 0}, {"Stone", 21, 0}, {"Reid", 21, 0}, {"Holland", 21, 0},
	{"Hawkins", 21, 0}, {"Harding", 21, 0}, {"Porter", 21, 0}, {"Robertson", 20, 0}, {"Newton", 20, 0},
	{"Oliver", 20, 0}, {"Reed", 20, 0}, {"Kennedy", 20, 0}, {"Williamson", 20, 0}, {"Bird", 20, 0},
	{"Gardner", 19, 0}, {"Shah", 19, groupSouthAsianMuslim}, {"Dean", 19, 0}, {"Lane", 19, 0}, {"Cooke", 19, 0},
	{"Bates", 19, 0}, {"Henderson", 19, 0}, {"Parry", 19, 0}, {"Burgess", 18, 0}, {"Bishop", 18, 0},
	{"Walton", 18, 0}, {"Burns", 18, 0}, {"Nicholson", 18, 0}, {"Shepherd", 18, 0}, {"Ross", 18, 0},
	{"Cross", 17, 0}, {"Long", 17, 0}, {"Freeman", 17, 0}, {"Warren", 17, 0}, {"Nicholls", 17, 0},
	{"Hamilton", 17, 0}, {"Byrne", 17, 0}, {"Sutton", 17, 0}, {"McDonald", 17, 0}, {"Yates", 16, 0},
	{"Hodgson", 16, 0}, {"Robson", 16, 0}, {"Curtis", 16, 0}, {"Hopkins", 16, 0}, {"O'Connor", 16, 0},
	{"Harper", 16, 0}, {"Coleman", 16, 0}, {"Watkins", 15, 0}, {"Moss", 15, 0}, {"McCarthy", 15, 0},
	{"Chambers", 15, 0}, {"O'Neill", 15, 0}, {"Griffin", 15, 0}, {"Sharp", 15, 0}, {"Hardy", 15, 0},
	{"Wheeler", 14, 0}, {"Potter", 14, 0}, {"Osborne", 14, 0}, {"Johnston", 14, 0}, {"Gordon", 14, 0},
	{"Doyle", 14, 0}, {"Wallace", 14, 0}, {"George", 14, 0}, {"Jordan", 14, 0}, {"Hutchinson", 13, 0},
	{"Rahman", 16, groupSouthAsianMuslim}, {"Akhtar", 15, groupSouthAsianMuslim}, {"Iqbal", 14, groupSouthAsianMuslim},
	{"Mahmood", 14, groupSouthAsianMuslim}, {"Islam", 13, groupSouthAsianMuslim}, {"Miah", 13, groupSouthAsianMuslim},
	{"Uddin", 11, groupSouthAsianMuslim}, {"Bibi", 11, groupSouthAsianMuslim}, {"Chowdhury", 10, groupSouthAsianMuslim},
	{"Sharma", 13, groupIndian}, {"Kumar", 12, groupIndian}, {"Sandhu", 9, groupIndian}, {"Mistry", 8, groupIndian},
	{"Nowak", 10, groupPolish}, {"Kowalski", 8, groupPolish}, {"Wisniewski", 6, groupPolish}, {"Lewandowski", 5, groupPolish},
	{"Okafor", 7, groupWestAfrican}, {"Mensah", 7, groupWestAfrican}, {"Adeyemi", 6, groupWestAfrican},
	{"Boateng", 6, groupWestAfrican}, {"Okonkwo", 5, groupWestAfrican}, {"Owusu", 5, groupWestAfrican},
}

// boys and girls: children's given names for births in England 2008–2024.
var boys = []nameW{
	{"Oliver", 100}, {"Harry", 92}, {"Jack", 90}, {"George", 85}, {"Noah", 80}, {"Charlie", 80},
	{"Muhammad", 70}, {"Jacob", 75}, {"Thomas", 70}, {"Oscar", 65}, {"William", 65}, {"James", 65},
	{"Leo", 62}, {"Alfie", 60}, {"Henry", 55}, {"Joshua", 55}, {"Freddie", 52}, {"Archie", 50},
	{"Arthur", 48}, {"Ethan", 45}, {"Isaac", 45}, {"Alexander", 45}, {"Joseph", 45}, {"Samuel", 45},
	{"Max", 40}, {"Daniel", 40}, {"Lucas", 40}, {"Theo", 40}, {"Edward", 35}, {"Logan", 35},
	{"Mason", 35}, {"Harrison", 30}, {"Benjamin", 30}, {"Sebastian", 30}, {"Finley", 30}, {"Adam", 30},
	{"Dylan", 30}, {"Riley", 30}, {"Mohammed", 25}, {"Zachary", 25}, {"Teddy", 25}, {"Theodore", 25},
	{"Toby", 25}, {"Harvey", 25}, {"David", 20}, {"Jake", 20}, {"Louie", 20}, {"Elijah", 20},
	{"Reuben", 20}, {"Arlo", 20}, {"Hugo", 20}, {"Luca", 20}, {"Jaxon", 20}, {"Matthew", 20},
	{"Jude", 20}, {"Albie", 20}, {"Tommy", 20}, {"Tyler", 20}, {"Jenson", 20}, {"Lewis", 20},
	{"Reggie", 15}, {"Michael", 15}, {"Harley", 15}, {"Luke", 15}, {"Ronnie", 15}, {"Rory", 15},
	{"Frankie", 15}, {"Caleb", 15}, {"Ezra", 15}, {"Ryan", 15}, {"Liam", 15}, {"Kai", 15},
	{"Callum", 15}, {"Bobby", 15}, {"Stanley", 15}, {"Louis", 15}, {"Jayden", 15}, {"Elliot", 12},
	{"Nathan", 12}, {"Owen", 12}, {"Jamie", 12}, {"Ibrahim", 12}, {"Yusuf", 12}, {"Connor", 12},
	{"Felix", 12}, {"Roman", 12}, {"Ali", 10}, {"Aaron", 10}, {"Ollie", 10}, {"Rowan", 10},
	{"Carter", 10}, {"Dexter", 10}, {"Jasper", 10}, {"Austin", 10}, {"Ellis", 10}, {"Blake", 10},
	{"Kian", 8}, {"Bradley", 8}, {"Cameron", 8}, {"Leon", 8}, {"Aiden", 8}, {"Alex", 8},
	{"Tobias", 8}, {"Hamza", 8}, {"Omar", 8}, {"Zayn", 8}, {"Oakley", 6}, {"Ayaan", 6},
}

var girls = []nameW{
	{"Olivia", 100}, {"Amelia", 100}, {"Isla", 80}, {"Ava", 75}, {"Emily", 70}, {"Lily", 60},
	{"Sophia", 55}, {"Grace", 55}, {"Mia", 55}, {"Isabella", 50}, {"Ella", 50}, {"Poppy", 50},
	{"Jessica", 45}, {"Sophie", 45}, {"Evie", 45}, {"Ruby", 45}, {"Freya", 45}, {"Charlotte", 45},
	{"Chloe", 40}, {"Daisy", 35}, {"Florence", 35}, {"Ivy", 35}, {"Isabelle", 30}, {"Phoebe", 30},
	{"Willow", 30}, {"Rosie", 30}, {"Sienna", 30}, {"Evelyn", 30}, {"Alice", 30}, {"Millie", 30},
	{"Matilda", 28}, {"Elsie", 28}, {"Harper", 25}, {"Lucy", 25}, {"Ellie", 25}, {"Scarlett", 25},
	{"Holly", 20}, {"Megan", 20}, {"Erin", 20}, {"Imogen", 20}, {"Layla", 20}, {"Maisie", 20},
	{"Eva", 20}, {"Lola", 20}, {"Molly", 20}, {"Hannah", 18}, {"Katie", 15}, {"Maya", 15},
	{"Aria", 15}, {"Bella", 12}, {"Eliza", 12}, {"Luna", 12}, {"Violet", 12}, {"Mila", 12},
	{"Esme", 12}, {"Georgia", 12}, {"Abigail", 12}, {"Eleanor", 12}, {"Lottie", 10}, {"Margot", 10},
	{"Maeve", 10}, {"Iris", 10}, {"Rose", 10}, {"Olive", 10}, {"Lauren", 10}, {"Jasmine", 10},
	{"Zara", 10}, {"Summer", 10}, {"Leah", 10}, {"Harriet", 10}, {"Elizabeth", 10}, {"Anna", 10},
	{"Lexi", 10}, {"Gracie", 10}, {"Penelope", 8}, {"Hallie", 8}, {"Ayla", 8}, {"Lyla", 8},
	{"Niamh", 8}, {"Amelie", 8}, {"Darcie", 8}, {"Madison", 8}, {"Aisha", 8}, {"Maryam", 8},
	{"Fatima", 8}, {"Zoe", 8}, {"Aurora", 8}, {"Thea", 8}, {"Sofia", 8}, {"Emilia", 8},
	{"Amber", 8}, {"Rebecca", 6}, {"Paige", 6}, {"Bethany", 6}, {"Elsa", 6}, {"Orla", 6},
	{"Nancy", 6}, {"Heidi", 6}, {"Lacey", 6}, {"Victoria", 5}, {"Beatrice", 5}, {"Arabella", 5},
	{"Abbie", 5}, {"Samantha", 3}, {"Katherine", 3}, {"Alexandra", 3},
}

// Community given names for children: [group][0=boys, 1=girls]. The general
// group uses boys and girls above.
var groupChildNames = [numGroups][2][]nameW{
	groupSouthAsianMuslim: {
		{{"Muhammad", 40}, {"Ibrahim", 15}, {"Yusuf", 12}, {"Adam", 10}, {"Zayn", 10}, {"Ayaan", 10},
			{"Hamza", 10}, {"Ali", 8}, {"Omar", 8}, {"Musa", 8}, {"Zakariya", 5}, {"Isa", 5},
			{"Haris", 5}, {"Rayyan", 5}, {"Yahya", 5}, {"Mohammed", 10}},
		{{"Maryam", 15}, {"Aisha", 15}, {"Fatima", 12}, {"Zara", 10}, {"Hafsa", 8}, {"Zainab", 8},
			{"Inaya", 8}, {"Khadija", 6}, {"Amina", 6}, {"Hana", 6}, {"Safa", 4}, {"Ayesha", 6},
			{"Aleena", 5}, {"Sara", 5}, {"Eshal", 4}, {"Anaya", 5}},
	},
	groupIndian: {
		{{"Arjun", 12}, {"Aarav", 10}, {"Rohan", 8}, {"Dev", 6}, {"Krish", 8}, {"Veer", 6},
			{"Jai", 5}, {"Aryan", 8}, {"Gurveer", 4}, {"Arav", 4}, {"Kabir", 5}, {"Ishaan", 6}},
		{{"Anaya", 10}, {"Priya", 8}, {"Simran", 6}, {"Anika", 8}, {"Diya", 8}, {"Isha", 6},
			{"Jasmine", 6}, {"Riya", 8}, {"Navya", 5}, {"Amrit", 4}, {"Saanvi", 6}, {"Aanya", 5}},
	},
	groupPolish: {
		{{"Jakub", 10}, {"Szymon", 8}, {"Antoni", 8}, {"Filip", 8}, {"Kacper", 8}, {"Oliwer", 5},
			{"Adam", 6}, {"Nikodem", 4}, {"Oliver", 6}, {"Alexander", 4}},
		{{"Zuzanna", 10}, {"Julia", 10}, {"Maja", 8}, {"Hanna", 8}, {"Lena", 8}, {"Zofia", 6},
			{"Amelia", 6}, {"Oliwia", 6}, {"Alicja", 5}, {"Natalia", 5}},
	},
	groupWestAfrican: {
		{{"David", 10}, {"Daniel", 10}, {"Samuel", 10}, {"Joshua", 10}, {"Emmanuel", 8}, {"Michael", 6},
			{"Elijah", 6}, {"Ethan", 5}, {"Kwame", 3}, {"Tobi", 4}, {"Caleb", 5}, {"Isaac", 6}},
		{{"Grace", 10}, {"Precious", 6}, {"Esther", 6}, {"Blessing", 5}, {"Favour", 5}, {"Abigail", 6},
			{"Hannah", 6}, {"Victoria", 5}, {"Deborah", 5}, {"Adaeze", 3}, {"Ruth", 4}, {"Zoe", 5}},
	},
}

// Carers' given names: [group][0=fathers, 1=mothers].
var carerNames = [numGroups][2][]nameW{
	groupGeneral: {
		{{"David", 30}, {"Michael", 28}, {"Paul", 25}, {"Mark", 25}, {"Andrew", 25}, {"James", 25},
			{"Daniel", 22}, {"Christopher", 22}, {"Matthew", 22}, {"Richard", 20}, {"Thomas", 18},
			{"Robert", 18}, {"Stephen", 16}, {"Lee", 14}, {"Craig", 14}, {"Jamie", 14}, {"Adam", 16},
			{"Ryan", 14}, {"Gareth", 10}, {"Scott", 12}, {"Darren", 10}, {"Wayne", 8}, {"Carl", 10},
			{"Jonathan", 12}, {"Simon", 10}, {"Kevin", 10}, {"Neil", 8}, {"Stuart", 8}, {"Ben", 14},
			{"Luke", 14}, {"Liam", 12}, {"Sam", 10}, {"Peter", 8}, {"John", 12}, {"Gary", 8},
			{"Anthony", 10}, {"Steven", 10}, {"Martin", 8}, {"Dean", 6}, {"Jason", 8}},
		{{"Sarah", 30}, {"Emma", 30}, {"Laura", 28}, {"Rebecca", 22}, {"Gemma", 20}, {"Claire", 20},
			{"Kelly", 16}, {"Rachel", 20}, {"Nicola", 18}, {"Lisa", 16}, {"Hannah", 18}, {"Amy", 20},
			{"Jennifer", 14}, {"Charlotte", 18}, {"Victoria", 16}, {"Louise", 14}, {"Stacey", 10},
			{"Katie", 14}, {"Natalie", 14}, {"Jodie", 10}, {"Kirsty", 10}, {"Danielle", 12},
			{"Samantha", 14}, {"Lauren", 14}, {"Zoe", 12}, {"Michelle", 12}, {"Joanne", 12},
			{"Amanda", 10}, {"Helen", 12}, {"Jessica", 12}, {"Sophie", 14}, {"Leanne", 10},
			{"Hayley", 12}, {"Kate", 12}, {"Lucy", 14}, {"Stephanie", 10}, {"Anna", 10}, {"Jade", 10},
			{"Kerry", 8}, {"Catherine", 10}},
	},
	groupSouthAsianMuslim: {
		{{"Mohammed", 30}, {"Imran", 12}, {"Asif", 10}, {"Tariq", 8}, {"Zahid", 8}, {"Shahid", 8},
			{"Naveed", 6}, {"Kamran", 8}, {"Amir", 8}, {"Faisal", 8}, {"Abdul", 10}, {"Nasir", 6}},
		{{"Fatima", 12}, {"Ayesha", 12}, {"Nadia", 10}, {"Shabana", 8}, {"Samina", 8}, {"Rubina", 6},
			{"Nasreen", 6}, {"Sadia", 8}, {"Saima", 8}, {"Farzana", 8}, {"Sana", 8}, {"Rukhsana", 5}},
	},
	groupIndian: {
		{{"Rajesh", 8}, {"Sanjay", 8}, {"Amit", 10}, {"Vikram", 6}, {"Sunil", 6}, {"Jaswinder", 6},
			{"Gurpreet", 6}, {"Harjit", 5}, {"Rakesh", 6}, {"Deepak", 6}, {"Nikhil", 5}, {"Ravi", 8}},
		{{"Priya", 10}, {"Sunita", 6}, {"Anita", 6}, {"Pooja", 8}, {"Neha", 8}, {"Harpreet", 6},
			{"Manpreet", 6}, {"Rajinder", 4}, {"Kiran", 8}, {"Meena", 5}, {"Nisha", 6}, {"Reena", 5}},
	},
	groupPolish: {
		{{"Tomasz", 10}, {"Piotr", 10}, {"Krzysztof", 8}, {"Marcin", 8}, {"Pawel", 8}, {"Michal", 8},
			{"Lukasz", 8}, {"Marek", 6}, {"Adam", 6}, {"Jakub", 6}},
		{{"Anna", 10}, {"Katarzyna", 10}, {"Agnieszka", 8}, {"Magdalena", 8}, {"Joanna", 8},
			{"Monika", 8}, {"Ewa", 6}, {"Karolina", 6}, {"Marta", 6}, {"Aleksandra", 6}},
	},
	groupWestAfrican: {
		{{"Emmanuel", 10}, {"Kwame", 6}, {"Chinedu", 6}, {"Oluwaseun", 5}, {"Samuel", 8}, {"Kofi", 6},
			{"Tunde", 6}, {"Daniel", 8}, {"Olumide", 5}, {"Kwabena", 4}},
		{{"Grace", 10}, {"Blessing", 8}, {"Funmilayo", 5}, {"Ngozi", 6}, {"Abena", 6}, {"Esther", 8},
			{"Joy", 6}, {"Patience", 5}, {"Comfort", 5}, {"Adaeze", 4}},
	},
}

// Grandmothers (general group; other groups use their mothers' names).
var grandmothers = []nameW{
	{"Susan", 20}, {"Linda", 18}, {"Christine", 16}, {"Karen", 18}, {"Julie", 16}, {"Patricia", 12},
	{"Margaret", 12}, {"Janet", 12}, {"Carol", 12}, {"Elaine", 10}, {"Jacqueline", 10}, {"Deborah", 12},
	{"Sandra", 12}, {"Gillian", 10}, {"Tracey", 12}, {"Alison", 10}, {"Dawn", 10}, {"Angela", 12},
	{"Wendy", 8}, {"Beverley", 6},
}

// Streets: a first part and a suffix, combined freely.
var streetFirst = []string{
	"Oak", "Elm", "Church", "Station", "Victoria", "Mill", "Park", "High", "Queens", "Kings",
	"Manor", "Grange", "Chapel", "Albert", "Beech", "Ash", "Willow", "Cedar", "Meadow", "Springfield",
	"Windsor", "York", "Stanley", "Clarence", "Granville", "Hawthorn", "Holly", "Laburnum", "Rosebery", "Highfield",
	"Alexandra", "Cromwell", "Nelson", "Wellington", "Market", "Bridge", "School", "Green", "Poplar", "Sycamore",
	"Chestnut", "Orchard", "Brook", "Westfield", "Mount", "Hall", "Moor", "Farm", "Railway", "Canal",
	"Albion", "Princess", "Salisbury", "Marlborough", "Belmont", "Fairfield", "Woodland", "Hillside", "Derwent", "Blenheim",
}

var streetSuffix = []string{
	"Road", "Road", "Road", "Street", "Street", "Lane", "Avenue", "Close", "Drive", "Grove",
	"Crescent", "Way", "Terrace", "Gardens", "Place", "View", "Walk", "Court",
}

// Church schools: dedication and denomination.
var dedications = []string{
	"St Mary's Catholic", "St Joseph's Catholic", "St Peter's C of E", "St John's C of E", "Holy Trinity C of E",
	"St Anne's Catholic", "St Patrick's Catholic", "St Paul's C of E", "Sacred Heart Catholic", "Christ Church C of E",
	"All Saints C of E", "St Augustine's Catholic", "St Michael's C of E", "St Bede's Catholic",
}
