"""Permission rows for the after-school pages of guardians, teachers and the bureau (collected
by test_permissions)."""

LOGIN = "login"

MATRIX = [
    ("afterschool:index", None, "anonymous", LOGIN),
    ("afterschool:index", None, "principal", 200),
]
POST_MATRIX = []
QUERY = {}
POST_DATA = {}
METHOD = {}
