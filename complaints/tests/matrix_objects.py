"""Complaints the permission rows need, filed and moved through the services on first use and
cached on ``matrix_cast`` (org's cast of district A with its first term):

``_school``      homework at A1, named: A1's principal handles it
``_school2``     another one at A1 (the main complaint of the merge rows)
``_institution`` about institution I1, anonymous: the supervision section's
``_tutoring``    paid tutoring by a teacher of A1: the ethics officer's
``_acked`` / ``_in_progress`` / ``_resolved``: ``_school`` moved that far by the principal
``_inst_acked``  ``_institution`` acknowledged by the supervisor
``_attachment``  a PNG the principal attached to ``_school``
"""

from django.core.files.uploadedfile import SimpleUploadedFile

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _services():
    from complaints import services

    return services


def _file(c, attr, **changes):
    if not hasattr(c, attr):
        from complaints.tests.conftest import file

        setattr(c, attr, file(c, **changes))
    return getattr(c, attr)


def _school(c):
    return _file(c, "cp_school")


def _school2(c):
    return _file(c, "cp_school2", subject="同一问题")


def _institution(c):
    return _file(c, "cp_institution", category="institution", school=None,
                 institution=c.institution_1.pk, anonymous=True)


def _tutoring(c):
    return _file(c, "cp_tutoring", category="paid_tutoring", teacher_name="李老师")


def _step(c, attr, previous, step, **data):
    if not hasattr(c, attr):
        complaint = previous(c)
        step(actor=c.principal, complaint=complaint, **data)
        setattr(c, attr, complaint)
    return getattr(c, attr)


def _acked(c):
    return _step(c, "cp_acked", _school, _services().acknowledge)


def _in_progress(c):
    return _step(c, "cp_in_progress", _acked, _services().start)


def _resolved(c):
    return _step(c, "cp_resolved", _in_progress, _services().resolve, outcome="已处理")


def _inst_acked(c):
    if not hasattr(c, "cp_inst_acked"):
        _services().acknowledge(actor=c.supervisor, complaint=_institution(c))
        c.cp_inst_acked = _institution(c)
    return c.cp_inst_acked


def _attachment(c):
    if not hasattr(c, "cp_attachment"):
        c.cp_attachment = _services().add_attachment(
            actor=c.principal, complaint=_school(c), upload=SimpleUploadedFile("现场.png", PNG))
    return c.cp_attachment


def pk(builder):
    return lambda c: {"pk": builder(c).pk}


def complaint_id(builder):
    return lambda c: {"complaint_id": builder(c).pk}


def png():
    return SimpleUploadedFile("现场.png", PNG)
