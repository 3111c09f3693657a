"""Changzhou district centres and the district-to-district distance table (km) for matching."""

# The seven districts (six county-level divisions plus the economic development zone,
# which residents and the bureau treat as a district of its own). Order is the display order.
DISTRICTS: tuple[str, ...] = (
    "天宁区",
    "钟楼区",
    "新北区",
    "武进区",
    "金坛区",
    "溧阳市",
    "常州经开区",
)

# Approximate centre (lat, lon) of each district, taken near the district government seat.
# They are only a fallback for parties that gave no coordinates, so ~1 km precision is enough.
DISTRICT_CENTRES: dict[str, tuple[float, float]] = {
    "天宁区": (31.7796, 119.9740),
    "钟楼区": (31.8020, 119.9020),
    "新北区": (31.8300, 119.9720),
    "武进区": (31.7010, 119.9430),
    "金坛区": (31.7230, 119.5970),
    "溧阳市": (31.4160, 119.4840),
    "常州经开区": (31.7600, 120.0600),
}

# Used when both parties are in the same district but at least one has no coordinates:
# the centre-to-centre distance would be 0, which would make such a pair look better than
# a genuinely close pair with known coordinates.
INTRA_DISTRICT_KM = 3.0

# Great-circle distance between the centres above (haversine, R = 6371.0088 km), rounded to
# 0.1 km; the diagonal is INTRA_DISTRICT_KM. Kept as literal data so the table can be read and
# reviewed; tests/charity/test_matching.py recomputes it from DISTRICT_CENTRES.
DISTRICT_KM: dict[str, dict[str, float]] = {
    "天宁区": {
        "天宁区": 3.0, "钟楼区": 7.2, "新北区": 5.6, "武进区": 9.2,
        "金坛区": 36.2, "溧阳市": 61.5, "常州经开区": 8.4,
    },
    "钟楼区": {
        "天宁区": 7.2, "钟楼区": 3.0, "新北区": 7.3, "武进区": 11.9,
        "金坛区": 30.1, "溧阳市": 58.4, "常州经开区": 15.6,
    },
    "新北区": {
        "天宁区": 5.6, "钟楼区": 7.3, "新北区": 3.0, "武进区": 14.6,
        "金坛区": 37.4, "溧阳市": 65.2, "常州经开区": 11.4,
    },
    "武进区": {
        "天宁区": 9.2, "钟楼区": 11.9, "新北区": 14.6, "武进区": 3.0,
        "金坛区": 32.8, "溧阳市": 53.8, "常州经开区": 12.9,
    },
    "金坛区": {
        "天宁区": 36.2, "钟楼区": 30.1, "新北区": 37.4, "武进区": 32.8,
        "金坛区": 3.0, "溧阳市": 35.8, "常州经开区": 44.0,
    },
    "溧阳市": {
        "天宁区": 61.5, "钟楼区": 58.4, "新北区": 65.2, "武进区": 53.8,
        "金坛区": 35.8, "溧阳市": 3.0, "常州经开区": 66.6,
    },
    "常州经开区": {
        "天宁区": 8.4, "钟楼区": 15.6, "新北区": 11.4, "武进区": 12.9,
        "金坛区": 44.0, "溧阳市": 66.6, "常州经开区": 3.0,
    },
}
