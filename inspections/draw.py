"""The 双随机 draw (IN-1): random targets from the target roster, random inspectors from the
inspector roster, reproducible by anyone who holds the record. Pure Python, no database.

Keys
    Every random choice is an ordering by ``sha256(text).hexdigest()`` of a documented text, so
    the draw does not depend on Python's ``random`` module and can be checked with ``sha256sum``:

        target order      sha256("{seed}:{target}")                e.g. "7f3a…:institution:42"
        inspector order   sha256("{seed}:{target}:{inspector_id}")

    Ties (a hash collision) fall back to the target key or the inspector id.

Targets
    Sorted by their key; the first ``count`` are drawn.

Inspectors
    The drawn targets are staffed one after the other in draw order. For each target, the
    inspectors who may go (not excluded for a declared conflict of interest, not the same
    inspector as on that target's previous check) are ranked by (checks already given in this
    draw, key), which spreads the work evenly; ``per_target`` are taken, and when
    ``min_departments`` > 1 the pick keeps enough places for inspectors of departments not yet
    on the team (a joint inspection needs that many departments). A target that cannot be
    staffed is an error naming it; nothing is drawn half.

``ALGORITHM_VERSION`` names this recipe; a stored draw keeps it with its seed and inputs.
"""

import hashlib
import json
from dataclasses import dataclass

ALGORITHM_VERSION = "dsr-sha256-1"


class DrawError(ValueError):
    """The roster cannot satisfy the draw (``target`` names the first target that failed)."""

    def __init__(self, message, target=None):
        super().__init__(message)
        self.target = target


@dataclass(frozen=True)
class InspectorSpec:
    id: int
    department: str


def key(*parts):
    return hashlib.sha256(":".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def canonical(inputs):
    """A draw's inputs as canonical JSON text (sorted keys, no spaces, UTF-8 characters): the
    text whose SHA-256 is the stored digest, so ``sha256sum`` of a downloaded file checks it."""
    return json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(inputs):
    """SHA-256 of the canonical JSON of a draw's inputs."""
    return hashlib.sha256(canonical(inputs).encode("utf-8")).hexdigest()


def draw(*, seed, targets, inspectors, count, per_target=2, min_departments=1, exclusions=(),
         previous=()):
    """``[(target, [inspector id, …]), …]`` in draw order.

    ``targets``: target keys (strings such as ``"institution:42"``), unique.
    ``inspectors``: InspectorSpec, unique ids.
    ``exclusions`` / ``previous``: (inspector id, target) pairs that may not go together.
    """
    targets = list(targets)
    if len(set(targets)) != len(targets):
        raise ValueError("repeated target")
    ids = [i.id for i in inspectors]
    if len(set(ids)) != len(ids):
        raise ValueError("repeated inspector")
    if not 0 < count <= len(targets):
        raise DrawError(f"抽取数量应在 1–{len(targets)} 之间。")
    if per_target < 1 or min_departments > per_target:
        raise DrawError("每个对象的检查人员数应不少于所需部门数。")
    barred = {(int(i), str(t)) for i, t in exclusions} | {(int(i), str(t)) for i, t in previous}
    order = sorted(targets, key=lambda t: (key(seed, t), t))[:count]
    load = {i.id: 0 for i in inspectors}
    result = []
    for target in order:
        team = _team(seed, target, inspectors, load, barred, per_target, min_departments)
        for inspector in team:
            load[inspector.id] += 1
        result.append((target, [i.id for i in team]))
    return result


def _team(seed, target, inspectors, load, barred, per_target, min_departments):
    free = sorted((i for i in inspectors if (i.id, target) not in barred),
                  key=lambda i: (load[i.id], key(seed, target, i.id), i.id))
    team, departments = [], set()
    for inspector in free:
        if len(team) == per_target:
            break
        places_left = per_target - len(team)
        departments_needed = max(0, min_departments - len(departments))
        if inspector.department in departments and places_left <= departments_needed:
            continue  # keep the remaining places for departments not yet on the team
        team.append(inspector)
        departments.add(inspector.department)
    if len(team) < per_target or len(departments) < min_departments:
        raise DrawError(f"检查对象 {target} 可派的执法检查人员不足（需 {per_target} 人、"
                        f"{min_departments} 个部门；已排除利益冲突和上次检查人员）。", target)
    return team
