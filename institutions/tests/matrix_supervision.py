"""Permission rows for the supervision section's institution pages (collected by
test_permissions)."""

MATRIX = []
POST_MATRIX = []
QUERY = {}
POST_DATA = {}
METHOD = {}
