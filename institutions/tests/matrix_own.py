"""Permission rows for an institution's own pages and the public lookup (collected by
test_permissions)."""

MATRIX = []
POST_MATRIX = []
QUERY = {}
POST_DATA = {}
METHOD = {}
