"""Permission rows for the after-school API (collected by test_permissions)."""

MATRIX = []
POST_MATRIX = []
QUERY = {}
POST_DATA = {}
METHOD = {}
