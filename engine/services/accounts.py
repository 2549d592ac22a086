"""Signing in and finding users."""

from __future__ import annotations

from engine.db import accounts as account_rows
from engine.dto import UserInfo
from engine.errors import NotFound
from engine.errors import NotSignedIn
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork


class Accounts:
    def __init__(self, transactions: Transactions) -> None:
        self.transactions = transactions

    def sign_in(self, username: str, password: str) -> UserInfo:
        """Check a user name and password; record the attempt either way.

        :raises NotSignedIn: with a message fit to show (never saying which part was wrong).
        """

        def command(tx: UnitOfWork) -> tuple[UserInfo | None, str]:
            user, reason = account_rows.check_sign_in(
                tx.session, username, password, tx.now
            )
            tx.actor = account_rows.user_info(user) if user else None
            if reason and tx.actor is None:
                tx.record_anonymous("sign_in_refused", username=username, reason=reason)
                return None, reason
            if reason:
                tx.record("sign_in_refused", username=username, reason=reason)
                return None, reason
            tx.record("user_signed_in", username=username)
            return tx.actor, reason

        info, reason = self.transactions.write(None, command)
        if info is None:
            if reason == "locked":
                raise NotSignedIn(
                    "Too many failed sign-in attempts. Try again in 15 minutes."
                )
            raise NotSignedIn(
                "The user name or password is not right, or the account is not active."
            )
        return info

    def find(self, user_id: int) -> UserInfo | None:
        """The active user with this id, or None (a session of a deactivated user ends)."""
        return self.transactions.read(
            None, lambda tx: account_rows.fresh(tx.session, user_id)
        )

    def by_username(self, username: str) -> UserInfo:
        """The named active user, for commands run by the server's operator (no password).

        :raises NotFound: no active user of that name.
        """

        def query(tx: UnitOfWork) -> UserInfo:
            user = account_rows.by_username(tx.session, username)
            if user is None or not user.active:
                raise NotFound(f"There is no active user {username!r}.")
            return account_rows.user_info(user)

        return self.transactions.read(None, query)
