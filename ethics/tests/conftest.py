"""Ethics tests borrow the institutions' fixtures (an approved subject-type institution and its
staff login) for the teacher cross-check."""

from institutions.tests.conftest import subject_inst, subject_staff  # noqa: F401
