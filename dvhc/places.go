package dvhc

// HaNoi is the province answered first when a name exists in several.
const HaNoi = "Hà Nội"

// oldProvinces maps each province as it was before 1 July 2025 to the
// province it belongs to now (Nghị quyết 202/2025/QH15 of 12 June 2025 on
// the arrangement of provincial units: 34 provinces and cities, 11 of them
// unchanged). Names are those of the file (TP HCM, Huế).
var oldProvinces = map[string]string{
	// unchanged
	"Hà Nội": "Hà Nội", "Huế": "Huế", "Thừa Thiên Huế": "Huế", "Lai Châu": "Lai Châu", "Điện Biên": "Điện Biên",
	"Sơn La": "Sơn La", "Lạng Sơn": "Lạng Sơn", "Quảng Ninh": "Quảng Ninh", "Thanh Hóa": "Thanh Hóa",
	"Nghệ An": "Nghệ An", "Hà Tĩnh": "Hà Tĩnh", "Cao Bằng": "Cao Bằng",
	// merged
	"Hà Giang": "Tuyên Quang", "Tuyên Quang": "Tuyên Quang",
	"Yên Bái": "Lào Cai", "Lào Cai": "Lào Cai",
	"Bắc Kạn": "Thái Nguyên", "Thái Nguyên": "Thái Nguyên",
	"Vĩnh Phúc": "Phú Thọ", "Hòa Bình": "Phú Thọ", "Phú Thọ": "Phú Thọ",
	"Bắc Giang": "Bắc Ninh", "Bắc Ninh": "Bắc Ninh",
	"Thái Bình": "Hưng Yên", "Hưng Yên": "Hưng Yên",
	"Hải Dương": "Hải Phòng", "Hải Phòng": "Hải Phòng",
	"Hà Nam": "Ninh Bình", "Nam Định": "Ninh Bình", "Ninh Bình": "Ninh Bình",
	"Quảng Bình": "Quảng Trị", "Quảng Trị": "Quảng Trị",
	"Quảng Nam": "Đà Nẵng", "Đà Nẵng": "Đà Nẵng",
	"Kon Tum": "Quảng Ngãi", "Quảng Ngãi": "Quảng Ngãi",
	"Bình Định": "Gia Lai", "Gia Lai": "Gia Lai",
	"Ninh Thuận": "Khánh Hòa", "Khánh Hòa": "Khánh Hòa",
	"Đắk Nông": "Lâm Đồng", "Bình Thuận": "Lâm Đồng", "Lâm Đồng": "Lâm Đồng",
	"Phú Yên": "Đắk Lắk", "Đắk Lắk": "Đắk Lắk",
	"Bà Rịa - Vũng Tàu": "TP HCM", "Bà Rịa Vũng Tàu": "TP HCM", "Bình Dương": "TP HCM",
	"TP HCM": "TP HCM", "Hồ Chí Minh": "TP HCM", "Sài Gòn": "TP HCM", "HCM": "TP HCM", "TPHCM": "TP HCM",
	"Bình Phước": "Đồng Nai", "Đồng Nai": "Đồng Nai",
	"Long An": "Tây Ninh", "Tây Ninh": "Tây Ninh",
	"Sóc Trăng": "Cần Thơ", "Hậu Giang": "Cần Thơ", "Cần Thơ": "Cần Thơ",
	"Bến Tre": "Vĩnh Long", "Trà Vinh": "Vĩnh Long", "Vĩnh Long": "Vĩnh Long",
	"Tiền Giang": "Đồng Tháp", "Đồng Tháp": "Đồng Tháp",
	"Bạc Liêu": "Cà Mau", "Cà Mau": "Cà Mau",
	"Kiên Giang": "An Giang", "An Giang": "An Giang",
}

// hanoiDistricts are Hà Nội's 30 district-level units before 1 July 2025
// (12 quận, 1 thị xã, 17 huyện). Since then the city has no district level;
// citizens still name them next to their old phường or xã.
var hanoiDistricts = []string{
	"quận Ba Đình", "quận Hoàn Kiếm", "quận Tây Hồ", "quận Long Biên", "quận Cầu Giấy", "quận Đống Đa",
	"quận Hai Bà Trưng", "quận Hoàng Mai", "quận Thanh Xuân", "quận Nam Từ Liêm", "quận Bắc Từ Liêm", "quận Hà Đông",
	"thị xã Sơn Tây",
	"huyện Ba Vì", "huyện Chương Mỹ", "huyện Đan Phượng", "huyện Đông Anh", "huyện Gia Lâm", "huyện Hoài Đức",
	"huyện Mê Linh", "huyện Mỹ Đức", "huyện Phú Xuyên", "huyện Phúc Thọ", "huyện Quốc Oai", "huyện Sóc Sơn",
	"huyện Thạch Thất", "huyện Thanh Oai", "huyện Thanh Trì", "huyện Thường Tín", "huyện Ứng Hòa",
}

// hanoiResolution is the act that set Hà Nội's 126 communes and wards.
const hanoiResolution = "Nghị quyết 1656/NQ-UBTVQH15 ngày 16/6/2025 của Ủy ban Thường vụ Quốc hội về sắp xếp các đơn vị hành chính cấp xã của thành phố Hà Nội"

// knownKinds are the kinds of Hà Nội's new units that the file does not
// tell (their parts mix phường and xã), from the list of Nghị quyết
// 1656/NQ-UBTVQH15 (51 phường and 75 xã): with them the file's Hà Nội
// counts come out at 51 and 75 (TestHanoiKinds).
var knownKinds = map[string]Kind{
	"Hà Nội|An Khánh": Xa, "Hà Nội|Bát Tràng": Xa, "Hà Nội|Đại Thanh": Xa,
	"Hà Nội|Chương Mỹ": Phuong, "Hà Nội|Tùng Thiện": Phuong,
}
