"""Permission rows for the school admin's after-school pages (collected by test_permissions)."""

MATRIX = []
POST_MATRIX = []
QUERY = {}
POST_DATA = {}
METHOD = {}
