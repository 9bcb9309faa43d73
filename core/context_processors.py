from core.navigation import entries_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    return {"nav": entries_for(user),
            "role_labels": [r.label for r in sorted(user.scope.roles)]}
