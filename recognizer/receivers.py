"""Signal receivers: thin, each hands over to a service."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from recognizer.services.drawings import drawing_list_claim
from recognizer.visitors import visitor_id_get


@receiver(user_logged_in, dispatch_uid="recognizer.drawings_follow_the_person")
def drawings_follow_the_person(sender, request, user, **kwargs):
    """Drawings made before logging in (or signing up) in this browser move to the account."""
    if request is not None and hasattr(request, "session"):
        drawing_list_claim(visitor_id=visitor_id_get(request), user=user)
