"""Vietnamese names and a Long Biên (Hà Nội) district model, for synthetic data.

Frequencies are approximate public figures (family names: the commonly cited
national shares; Hoàng/Vũ dominate in the north over Huỳnh/Võ). Ward sizes are
rough relative weights of the 2019 census populations of Long Biên's 14 wards.
Streets are real streets of each ward; companies, schools and venues are made-up
but plausible names.

>>> round(sum(w for _, w in FAMILY_NAMES), 1)
100.0
>>> len(WARDS)
14
"""

from __future__ import annotations

# (family name, share in %) — Hoàng/Huỳnh and Vũ/Võ split north-heavy.
FAMILY_NAMES: list[tuple[str, float]] = [
    ("Nguyễn", 38.4), ("Trần", 12.1), ("Lê", 9.5), ("Phạm", 7.0),
    ("Hoàng", 4.6), ("Huỳnh", 0.5), ("Phan", 4.5), ("Vũ", 3.5), ("Võ", 0.4),
    ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3),
    ("Dương", 1.0), ("Lý", 0.5),
    # the long tail (~10 %)
    ("Đào", 0.9), ("Đinh", 0.9), ("Trịnh", 0.8), ("Lương", 0.6), ("Mai", 0.7),
    ("Cao", 0.5), ("Lưu", 0.5), ("Tạ", 0.4), ("Đoàn", 0.7), ("Chu", 0.4),
    ("Vương", 0.3), ("Kiều", 0.3), ("Nghiêm", 0.2), ("Tô", 0.3), ("Hà", 0.6),
    ("Triệu", 0.3), ("Phùng", 0.3), ("Quách", 0.2), ("Lại", 0.2), ("Trương", 0.6),
    ("Khúc", 0.1), ("Thái", 0.1),
]

# Middle names: (name, weight for people born before 1985, weight after).
MIDDLE_MALE: list[tuple[str, int, int]] = [
    ("Văn", 45, 12), ("Đức", 10, 12), ("Minh", 6, 16), ("Hữu", 8, 5), ("Quang", 6, 8),
    ("Thanh", 5, 5), ("Công", 5, 4), ("Xuân", 4, 3), ("Tuấn", 2, 5), ("Mạnh", 2, 4),
    ("Duy", 1, 6), ("Tiến", 2, 3), ("Ngọc", 3, 3), ("Hoàng", 2, 5), ("Gia", 0, 6),
    ("Bảo", 0, 5), ("Đình", 5, 3), ("Trọng", 3, 3), ("Việt", 2, 4), ("Anh", 1, 4),
]
MIDDLE_FEMALE: list[tuple[str, int, int]] = [
    ("Thị", 60, 18), ("Ngọc", 6, 12), ("Thu", 6, 6), ("Thanh", 5, 6), ("Minh", 1, 8),
    ("Phương", 3, 7), ("Thúy", 3, 3), ("Hồng", 4, 4), ("Mai", 2, 4), ("Bảo", 0, 6),
    ("Khánh", 0, 6), ("Hải", 1, 4), ("Quỳnh", 1, 5), ("Hà", 1, 3), ("Kim", 4, 3),
    ("Diệu", 1, 3), ("Tuệ", 0, 3),
]
GIVEN_MALE: list[str] = [
    "An", "Anh", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Dương", "Giang", "Hải",
    "Hiếu", "Hòa", "Hoàng", "Hùng", "Huy", "Hưng", "Khánh", "Khoa", "Khôi", "Kiên",
    "Lâm", "Long", "Lộc", "Mạnh", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân",
    "Quang", "Sơn", "Tâm", "Thắng", "Thành", "Thịnh", "Tiến", "Toàn", "Trung", "Tú",
    "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Đăng", "Bảo", "Hậu", "Thái", "Trường",
]
GIVEN_FEMALE: list[str] = [
    "An", "Anh", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa",
    "Hồng", "Huyền", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga",
    "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thu", "Thủy",
    "Trang", "Vân", "Yến", "Hòa", "Nhi", "Ly", "Thư", "Vy", "Hạnh", "Trâm",
]

# Ward -> (relative population weight, streets in the ward).
WARDS: dict[str, tuple[int, list[str]]] = {
    "Bồ Đề": (37, ["Nguyễn Văn Cừ", "Hồng Tiến", "Bồ Đề", "Lâm Du", "Ái Mộ", "Nguyễn Sơn"]),
    "Cự Khối": (11, ["Cự Khối", "Thạch Cầu", "Hội Xá"]),
    "Đức Giang": (26, ["Ngô Gia Tự", "Đức Giang", "Trường Lâm", "Hoàng Như Tiếp"]),
    "Gia Thụy": (20, ["Nguyễn Văn Cừ", "Gia Thụy", "Nguyễn Sơn", "Ngọc Lâm"]),
    "Giang Biên": (15, ["Giang Biên", "Kẻ Tạnh", "Trường Lâm"]),
    "Long Biên": (25, ["Cổ Linh", "Tư Đình", "Long Biên 1", "Thạch Bàn"]),
    "Ngọc Lâm": (23, ["Ngọc Lâm", "Nguyễn Văn Cừ", "Long Biên 2", "Hoàng Như Tiếp"]),
    "Ngọc Thụy": (27, ["Ngọc Thụy", "Lý Sơn", "Tình Quang", "Thạch Cầu"]),
    "Phúc Đồng": (18, ["Chu Huy Mân", "Phúc Đồng", "Sài Đồng", "Cổ Linh"]),
    "Phúc Lợi": (17, ["Phúc Lợi", "Vũ Xuân Thiều", "Mai Chí Thọ"]),
    "Sài Đồng": (20, ["Sài Đồng", "Vũ Xuân Thiều", "Nguyễn Văn Linh", "Huỳnh Tấn Phát"]),
    "Thạch Bàn": (30, ["Thạch Bàn", "Cổ Linh", "Nguyễn Văn Linh", "Mai Phúc"]),
    "Thượng Thanh": (27, ["Thượng Thanh", "Thanh Am", "Gia Quất", "Đức Giang"]),
    "Việt Hưng": (21, ["Việt Hưng", "Hoa Lâm", "Đoàn Khuê", "Nguyễn Cao Luyện", "Lệ Mật"]),
}

# Province codes used as the first 3 digits of a CCCD (place of birth registration).
CCCD_PROVINCES: list[tuple[str, int]] = [
    ("001", 70), ("027", 5), ("033", 4), ("036", 4), ("034", 4), ("030", 3),
    ("040", 3), ("038", 3), ("025", 2), ("024", 2),
]

# Mobile prefixes by network (10-digit numbers since 2018).
PHONE_PREFIXES: list[str] = [
    "086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
    "088", "091", "094", "081", "082", "083", "084", "085",
    "089", "090", "093",
]

COMPANY_TRADES: list[str] = [
    "Thương mại", "Dịch vụ", "Xây dựng", "Vận tải", "Công nghệ", "Thực phẩm",
    "Dược phẩm", "Tư vấn", "Logistics", "In ấn", "Nội thất",
]
FACTORY_TRADES: list[str] = [
    "Điện tử", "May mặc", "Cơ khí", "Linh kiện", "Bao bì", "Nhựa", "Dệt may", "Thiết bị điện",
]
BRAND_WORDS: list[str] = [
    "Minh Phát", "Thành Công", "An Bình", "Hưng Thịnh", "Việt Tiến", "Sông Hồng",
    "Đông Á", "Hòa Bình", "Thăng Long", "Kinh Bắc", "Phú Gia", "Tân Việt", "Hồng Hà",
    "Trường An", "Bảo Long", "Đại Dương", "Ánh Dương", "Hải Đăng", "Vạn Xuân", "Sao Mai",
]
CAFE_WORDS: list[str] = [
    "Mộc", "Gốc Phố", "Hoa Sữa", "Phố Cổ", "Ven Hồ", "Nắng", "Lá", "Góc Nhỏ", "Bên Sông", "Mây",
]
FOOD_KINDS: list[str] = [
    "Quán phở", "Bún chả", "Quán bún riêu", "Cơm văn phòng", "Quán lẩu", "Bánh cuốn", "Quán bia hơi",
]
HIGH_SCHOOLS: list[str] = [
    "Trường THPT Nguyễn Gia Thiều", "Trường THPT Lý Thường Kiệt", "Trường THPT Thạch Bàn",
    "Trường THPT Phúc Lợi",
]
HOSPITALS: list[str] = ["Bệnh viện Đa khoa Đức Giang", "Trung tâm Y tế quận Long Biên"]
UNIVERSITIES: list[str] = [
    "Đại học Bách khoa Hà Nội", "Đại học Quốc gia Hà Nội", "Học viện Nông nghiệp Việt Nam",
    "Đại học Kinh tế Quốc dân",
]
BUS_ROUTES: list[str] = ["Xe buýt 03A", "Xe buýt 15", "Xe buýt 17", "Xe buýt 34", "Xe buýt 43", "Xe buýt 54"]
