"""Permission rows for the institutions API (collected by
test_permissions)."""

MATRIX = []
POST_MATRIX = []
QUERY = {}
POST_DATA = {}
METHOD = {}
