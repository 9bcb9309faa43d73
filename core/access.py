"""The one authorization gate (STYLE 4).

Every view and API endpoint reaches objects through ``visible(user, Model)`` or
``get_for(user, Model, pk, action)``, never through ``Model.objects.get`` directly (a test fails
the build if one does). The rules:

- deny by default: a role not listed in ``Model.ACCESS[action]`` may not act;
- an object outside the user's organisation scope is 404, exactly like a missing one, so that
  nobody learns what exists in another school, family or institution;
- a visible object with a forbidden action is 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from org.scope import scope_of


def allowed_roles(model, action):
    try:
        return model.ACCESS[action]
    except (AttributeError, KeyError):
        return frozenset()  # deny unless declared


def can(user, action, model_or_obj):
    """True when one of the user's roles may do ``action``, and the object (if any) agrees."""
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    scope = scope_of(user)
    # The role must be one the model grants the action to.
    if not scope.roles.intersection(allowed_roles(model, action)):
        return False
    # The object may narrow it further (e.g. a guardian sees but never reveals).
    permits = getattr(model_or_obj, "permits", None)
    if permits is not None and not isinstance(model_or_obj, type):
        return permits(scope, action)
    return True


def require(user, action, model_or_obj):
    if not can(user, action, model_or_obj):
        raise PermissionDenied("您没有执行此操作的权限。")


def visible(user, model, action="view"):
    """The queryset of ``model`` the user may see; 403 when no role of theirs may see any."""
    require(user, action, model)
    return model.objects.visible_to(user)


def get_for(user, model, pk, action="view", queryset=None):
    """One object by primary key: 404 when missing or out of scope, 403 when action is forbidden."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:  # beyond any database's integer key: it cannot exist
        raise Http404
    qs = queryset if queryset is not None else model.objects.all()
    obj = qs.visible_to(user).filter(pk=pk).first()
    # Outside the scope looks exactly like missing.
    if obj is None:
        raise Http404
    require(user, action, obj)
    return obj
