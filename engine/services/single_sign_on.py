"""Single sign-on: the account a person signed in at the council's identity provider is, here.

The web layer does the OpenID Connect exchange (authorization code with PKCE, state and nonce) and
verifies the ID token; it hands this service the token's claims. Here the engine decides who that is:
the account whose e-mail address is the claims' *verified* `email` (compared without regard to case),
or a new account with no roles, which an administrator then grants. Deactivated accounts stay out.
When `SCR_OIDC_ROLES_CLAIM` is set, that claim decides the person's roles at every sign-in (the
identity provider is then the one place where access is given and taken away). Local accounts and
passwords stay, for people outside the council such as independent reviewers.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any

from engine.db import accounts as account_rows
from engine.db.models import AppUser
from engine.dto import UserInfo
from engine.errors import NotSignedIn
from engine.roles import ROLES
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork
from engine.settings import OidcSettings

log = logging.getLogger(__name__)

METHOD = "oidc"
UNVERIFIED = (
    "Your council account did not say that its e-mail address is verified, so it cannot be "
    "matched to an account here. Ask your IT service desk to verify it, or ask the Board's "
    "administrator for a user name and password."
)
DEACTIVATED = (
    "The account for {email} has been deactivated, so you cannot sign in. If you still need "
    "access, ask the Board's administrator."
)
AMBIGUOUS = (
    "More than one account here has the e-mail address {email}, so we cannot tell which is "
    "yours. Ask the Board's administrator to give each account its own address."
)


class SingleSignOn:
    """Accounts for people who signed in at the council's OpenID Connect provider."""

    def __init__(
        self, transactions: Transactions, provider: OidcSettings | None
    ) -> None:
        self.transactions = transactions
        self.provider = provider

    def sign_in(self, claims: Mapping[str, Any]) -> tuple[UserInfo, str]:
        """Sign in the person the verified ID token's `claims` describe; their session key too.

        :param claims: the claims of an ID token the web layer has verified (signature, issuer,
            audience, expiry, nonce).
        :raises NotSignedIn: the e-mail is not verified, its account is deactivated, or two
            accounts share it; the message says what to do.
        """
        email = str(claims.get("email") or "").strip()

        def command(tx: UnitOfWork) -> tuple[UserInfo, str] | NotSignedIn:
            if not email or not _verified(claims.get("email_verified")):
                return _refuse(tx, None, email, "email_not_verified", UNVERIFIED)
            found = account_rows.by_email(tx.session, email)
            if len(found) > 1:
                return _refuse(tx, None, email, "email_ambiguous", AMBIGUOUS)
            user = found[0] if found else self._create(tx, email, claims)
            if not user.active:
                return _refuse(tx, user, email, "inactive", DEACTIVATED)
            tx.actor = account_rows.user_info(user)
            self._apply_roles_claim(tx, user, claims)
            tx.record("user_signed_in", username=user.username, method=METHOD)
            return account_rows.user_info(user), account_rows.session_key(user)

        # A refusal is returned, not raised, so that its audit event is committed.
        outcome = self.transactions.write(None, command)
        if isinstance(outcome, NotSignedIn):
            raise outcome
        return outcome

    def _create(self, tx: UnitOfWork, email: str, claims: Mapping[str, Any]) -> AppUser:
        """A new account for someone the provider vouches for: no roles until granted."""
        name = str(claims.get("name") or "").strip() or email
        user = account_rows.create_user(
            tx.session,
            username=account_rows.free_username(tx.session, email.lower()),
            display_name=name[:200],
            # Nobody knows this password: the person signs in through the provider.
            password=secrets.token_urlsafe(32),
            roles=(),
            email=email,
        )
        tx.actor = account_rows.user_info(user)
        tx.record(
            "user_created",
            user=user.id,
            username=user.username,
            roles=[],
            agency=None,
            via="single sign-on",
        )
        return user

    def _apply_roles_claim(
        self, tx: UnitOfWork, user: AppUser, claims: Mapping[str, Any]
    ) -> None:
        """With a roles claim configured, the claim's known role keys become the user's roles."""
        claim = self.provider.roles_claim if self.provider else None
        if not claim:
            return
        wanted = _role_keys(claims.get(claim), claim, user.username)
        before = sorted(m.role_key for m in user.memberships)
        if sorted(wanted) == before:
            return
        account_rows.set_roles(user, wanted)
        tx.session.flush()
        tx.record(
            "user_roles_changed",
            user=user.id,
            username=user.username,
            roles=sorted(wanted),
            before=before,
            via=f"single sign-on claim {claim}",
        )
        tx.actor = account_rows.user_info(user)


def _verified(value: Any) -> bool:
    """`email_verified` is a JSON boolean; a few providers send the string "true"."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _role_keys(value: Any, claim: str, username: str) -> list[str]:
    """Our role keys named in the claim (a list, or one space-separated string); others logged."""
    if value is None:
        values: list[str] = []
    elif isinstance(value, str):
        values = value.split()
    elif isinstance(value, list | tuple):
        values = [str(v) for v in value]
    else:
        values = [str(value)]
    unknown = sorted({v for v in values if v not in ROLES})
    if unknown:
        log.warning(
            "single sign-on: %s names unknown role keys %s for %s; they were ignored",
            claim,
            ", ".join(unknown),
            username,
        )
    return [v for v in dict.fromkeys(values) if v in ROLES]


def _refuse(
    tx: UnitOfWork, user: AppUser | None, email: str, reason: str, message: str
) -> NotSignedIn:
    """Record a refused single sign-on and the error to raise once it is committed."""
    if user is None:
        tx.record_anonymous(
            "sign_in_refused", email=email, reason=reason, method=METHOD
        )
    else:
        tx.actor = account_rows.user_info(user)
        tx.record(
            "sign_in_refused", username=user.username, reason=reason, method=METHOD
        )
    return NotSignedIn(message.format(email=email or "(none)"))
