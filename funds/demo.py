"""The demo district's prepaid funds: a supervised account for every licensed, approved
institution, the demo parent's paid contract with lessons confirmed and waiting, other families'
contracts, a reserve, yesterday's reconciliation from the bank (one account mismatched), and an
institution selling far more than it teaches. The supervision section sees red and yellow
warnings; every demo role has something to look at.

Written through ``funds.services`` as the demo supervisor, bank, institution and guardians.
"""

import datetime as dt

from django.utils import timezone

from funds import services
from funds.models import SupervisedAccount
from funds.warnings import balances
from institutions.models import Institution, TrainingCourse
from institutions.services import add_course
from org.models import Guardian, Pupil, User

EXTRA_FAMILIES = 6


def _family_logins(district, count):
    """Login-less users behind a few guardians of the district (contracts need a signer)."""
    users = []
    guardians = (Guardian.objects.filter(user__isnull=True, links__pupil__school__bureau=district)
                 .distinct().order_by("pk")[:count])
    for n, guardian in enumerate(guardians, start=1):
        user = User.objects.create_user(username=f"demo_family_{n}", password=None,
                                        name=guardian.name, phone=guardian.phone)
        guardian.user = user
        guardian.save(update_fields=["user"])
        users.append(User.objects.get(pk=user.pk))
    return users


def _child(user):
    return Pupil.objects.filter(guardian_links__guardian__user=user).order_by("pk").first()


def build_funds_demo(district, today=None):
    today = today or timezone.localdate()
    supervisor = User.objects.get(username="supervisor")
    bank = User.objects.get(username="bank")
    staff = User.objects.get(username="institution")
    parent = User.objects.get(username="parent")
    licensed = list(Institution.objects.filter(
        bureau=district, status=Institution.Status.APPROVED,
        licence_status=Institution.LicenceStatus.PERMIT_AND_LICENCE).order_by("pk"))
    accounts = {}
    for n, inst in enumerate(licensed):
        both = n == 1  # one institution also keeps a risk reserve (PF-3 both)
        accounts[inst.pk] = services.open_account(
            actor=supervisor, institution=inst, bank_name="示范银行明德支行",
            account_number=f"6222{district.code}{n + 1:06d}", mode="both" if both else "custody",
            reserve_fixed_fen=10_000_000 if both else 0, reserve_percent=10 if both else 0,
            last_year_fees_fen=(80 + 20 * n) * 1_000_000 if both else 0)
    # Opened a month ago, so the bank has days to report on.
    SupervisedAccount.objects.filter(pk__in=[a.pk for a in accounts.values()]).update(
        opened_at=timezone.now() - dt.timedelta(days=30))
    main = licensed[0]  # the `institution` account's
    # The demo parent's child (grade 4) reads English at the main institution.
    reading = TrainingCourse.objects.filter(institution=main, subject="english").first()
    child = _child(parent)
    contract = services.create_contract(
        actor=parent, pupil=child, course=reading, lessons=20,
        price_per_lesson_fen=reading.price_per_lesson_fen, start=today,
        end=today + dt.timedelta(days=80))
    key = 0

    def pay(c):
        nonlocal key
        key += 1
        services.record_deposit(actor=bank, contract=c, amount_fen=c.total_fen,
                                idempotency_key=f"demo-deposit-{key}",
                                bank_reference=f"DEMO{today:%Y%m%d}{key:04d}")

    pay(contract)
    lessons = [services.record_lesson(actor=staff, contract=contract,
                                      delivered_at=timezone.now() - dt.timedelta(days=d))
               for d in (12, 10, 5, 3, 1)]
    for lesson in lessons[:3]:
        services.confirm_lesson(actor=parent, lesson=lesson)
    # Other families: a few contracts at the main institution, and a non-subject institution
    # selling far more lessons than it delivers (a red sales warning).
    families = _family_logins(district, EXTRA_FAMILIES)
    seller = next((i for i in licensed if not i.subject_type), None)
    art = None
    if seller is not None:
        art = add_course(actor=_staff_of(seller), institution=seller,
                         name="少儿创意美术", subject="art", mode="offline", grades=[1, 2, 3, 4, 5, 6],
                         class_size=15, lesson_minutes=60, lessons=48, price_per_lesson_fen=9000,
                         content_summary="色彩与造型基础。")
    for n, user in enumerate(families):
        pupil = _child(user)
        if pupil is None:
            continue
        course = art if (art is not None and n % 2 == 0) else reading
        lessons_bought = 48 if course is art else 8
        c = services.create_contract(
            actor=user, pupil=pupil, course=course, lessons=lessons_bought,
            price_per_lesson_fen=course.price_per_lesson_fen, start=today,
            end=today + dt.timedelta(days=85))
        pay(c)
        if course is reading:
            services.record_lesson(actor=staff, contract=c,
                                   delivered_at=timezone.now() - dt.timedelta(days=2))
        if n == len(families) - 1:
            services.request_refund(actor=user, contract=c)
    # One reserve deposit, short of its requirement (yellow).
    reserve_inst = next((i for i in licensed if accounts[i.pk].mode == "both"), None)
    if reserve_inst is not None:
        services.add_reserve(actor=bank, institution=reserve_inst, amount_fen=8_000_000,
                             idempotency_key="demo-reserve-1")
    # Yesterday's end-of-day balances: the bank reports every account; one does not match.
    yesterday = today - dt.timedelta(days=1)
    money = balances([i.pk for i in licensed])
    for n, inst in enumerate(licensed):
        ledger = services.ledger_balance_at(inst.pk, yesterday)
        reported = ledger + (1_250_000 if n == len(licensed) - 1 and n > 0 else 0)
        services.report_balance(actor=bank, institution=inst, date=yesterday,
                                balance_fen=reported)
    return {"accounts": len(accounts), "contracts": 1 + len(families),
            "held_fen": sum(m.get("held", 0) for m in money.values())}


def _staff_of(institution):
    """The institution's staff login, or a new one for the demo (a non-subject institution)."""
    user = User.objects.filter(role_assignments__institution=institution).order_by("pk").first()
    if user is not None:
        return user
    from org.models import RoleAssignment
    from org.roles import Role

    user = User.objects.create_user(username=f"demo_inst_{institution.pk}", password=None,
                                    name=f"{institution.name}工作人员")
    RoleAssignment.objects.create(user=user, role=Role.INSTITUTION_STAFF, institution=institution)
    return User.objects.get(pk=user.pk)
