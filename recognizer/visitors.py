"""Anonymous visitors: an opaque id kept in the visitor's server-side session data.

A drawing made without an account is linked to its browser through this id, never through the
session key. The key is the cookie that *is* the session: whoever reads a stored key can put it in
a cookie and become that visitor, or that signed-in user. The visitor id is random, lives only in
the session's server-side data, and lets its reader do nothing.

Only a session the server issued can carry an id: a cookie naming no stored session loads as an
empty session, so that request is a new visitor and Django issues it a new key. The id survives
login and sign-up (Django keeps the session's data when it cycles the key), which is how the
drawings made before follow the person into the account; logout flushes the session, and with it
the id.
"""

import secrets

from django.http import HttpRequest

SESSION_FIELD = "visitor_id"


def visitor_id_get(request: HttpRequest) -> str:
    """The visitor's id, or "" when this browser has none yet."""
    return request.session.get(SESSION_FIELD, "")


def visitor_id_ensure(request: HttpRequest) -> str:
    """The visitor's id, given a new one if it has none (the session middleware then stores the
    session and sends its cookie with the response)."""
    visitor_id = request.session.get(SESSION_FIELD)
    if not visitor_id:
        visitor_id = request.session[SESSION_FIELD] = secrets.token_hex(16)
    return visitor_id
