"""Signing in and out, the sessions a sign-in starts, and finding users.

Repeated failures slow down the *client* that makes them, never the account: a lock-out per account
would let anyone lock any named person out by guessing wrong five times. The throttle is a table of
our own rather than Flask-Limiter, because it must count only failures, in the same transaction that
checks the password (so web workers sharing the database agree without a test-then-hit race), be
readable by the engine's other front ends (the CLI lifts it: `scr user unlock`), and the engine may
not import Flask; the `limits` library has no SQL storage to share across workers.
"""

from __future__ import annotations

import math

from engine.db import accounts as account_rows
from engine.dto import UserInfo
from engine.errors import NotFound
from engine.errors import NotSignedIn
from engine.errors import SignInThrottled
from engine.services.unit_of_work import Transactions
from engine.services.unit_of_work import UnitOfWork

REFUSED = "The user name or password is not right, or the account is not active."


class Accounts:
    def __init__(self, transactions: Transactions) -> None:
        self.transactions = transactions

    def sign_in(self, username: str, password: str, client: str = "") -> UserInfo:
        """Check a user name and password; record the attempt either way.

        :raises NotSignedIn: with a message fit to show (never saying which part was wrong).
        """
        return self.start_session(username, password, client)[0]

    def start_session(
        self, username: str, password: str, client: str = ""
    ) -> tuple[UserInfo, str]:
        """Sign in: the user and the key their session keeps (`find_session` reads it back).

        Unknown, inactive and wrong-password answers are the same words after the same work.

        :param client: who is asking (the web app passes the remote address); its failures count.
        :raises SignInThrottled: `client` failed too often lately; it waits, nobody's account is locked.
        :raises NotSignedIn: the user name or password is not right, or the account is not active.
        """

        def command(tx: UnitOfWork) -> tuple[UserInfo, str] | None:
            until = account_rows.throttled_until(tx.session, client, tx.now)
            if until is not None:
                wait = (until - tx.now).total_seconds() / 60
                raise SignInThrottled(max(1, math.ceil(wait)))
            user, reason = account_rows.check_sign_in(tx.session, username, password)
            tx.actor = account_rows.user_info(user) if user else None
            if not reason and user is not None:
                tx.record("user_signed_in", username=username, method="password")
                return tx.user, account_rows.session_key(user)
            account_rows.record_failure(tx.session, client, username, tx.now)
            if tx.actor is None:
                tx.record_anonymous("sign_in_refused", username=username, reason=reason)
            else:
                tx.record("sign_in_refused", username=username, reason=reason)
            return None

        signed_in = self.transactions.write(None, command)
        if signed_in is None:
            raise NotSignedIn(REFUSED)
        return signed_in

    def find_session(self, key: str) -> UserInfo | None:
        """The user a session names, or None: deactivated, or their sessions were ended since."""
        return self.transactions.read(
            None, lambda tx: account_rows.by_session_key(tx.session, key)
        )

    def sign_out(self, actor: UserInfo) -> None:
        """End every session of the user (a copied session cookie stops working too)."""

        def command(tx: UnitOfWork) -> None:
            account_rows.end_sessions(account_rows.get(tx.session, tx.user.id))
            tx.record("user_signed_out", username=tx.user.username)

        self.transactions.write(actor, command)

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
