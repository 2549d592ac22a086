"""One typed, validated configuration for the CLI, the worker and the web app (pydantic-settings).

Every setting is an `SCR_*` environment variable. `EngineSettings.from_env()` reads and checks them all
at once and raises `ConfigInvalid` naming every variable that is wrong and how to fix it, so a mistake
stops the program at start-up instead of, say, sending a child's name over plain SMTP. Secrets are
`SecretStr`: they never appear in a repr, a log line or `scr config check`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import SecretStr
from pydantic import ValidationError
from pydantic import field_validator
from pydantic import model_validator
from pydantic_settings import BaseSettings
from pydantic_settings import SettingsConfigDict

# The repository (or installation) root: the default database is an absolute path below it, so `scr`
# run from any folder uses the same database as the web app.
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'instance' / 'scr.sqlite3'}"
MIN_SECRET_KEY_LENGTH = 32
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class ConfigInvalid(ValueError):
    """The environment's settings are wrong; the message names each variable and the fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "The configuration is not valid:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


MEGABYTE = 1024 * 1024


class SmtpSettings(BaseModel):
    """The mail server notifications are delivered through."""

    model_config = ConfigDict(frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    security: SmtpSecurity = SmtpSecurity.NONE
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "SCR Workflow <scr-workflow@localhost>"
    timeout: float = Field(default=10.0, gt=0)
    # The most a message's attachments may weigh together; a larger message is not sent (it fails,
    # saying why, and the Business and QA Manager is told).
    max_attachments_bytes: int = Field(default=10 * MEGABYTE, ge=0)

    _lower_security = field_validator("security", mode="before")(_lower)

    @model_validator(mode="after")
    def _never_plain_over_the_network(self) -> SmtpSettings:
        if (
            self.security is SmtpSecurity.NONE
            and (self.username or self.password)
            and self.host not in LOCAL_HOSTS
        ):
            raise ValueError(
                "SCR_SMTP_USERNAME/SCR_SMTP_PASSWORD are set but SCR_SMTP_SECURITY is none: "
                f"the password and every message would cross the network to {self.host} "
                "in plain text. Set SCR_SMTP_SECURITY=starttls or ssl."
            )
        return self

    @property
    def password_value(self) -> str:
        return self.password.get_secret_value() if self.password else ""


class WebSettings(BaseModel):
    """What only the web app uses."""

    model_config = ConfigDict(frozen=True)

    secret_key: SecretStr | None = None
    session_cookie_secure: bool = False
    # Send Strict-Transport-Security (only behind HTTPS).
    hsts: bool = False
    # How many reverse proxies in front of the app to trust for X-Forwarded-* (0: none, the default).
    trusted_proxies: int = Field(default=0, ge=0, le=5)
    # The "Mail sent (development)" page: every message of the outbox, for `make run`.
    mail_view: bool = False


DEFAULT_SSO_LABEL = "Sign in with your council account"


def _issuer_url(value: str) -> str:
    """An OpenID Connect issuer: https (http only on this machine, for testing), no query or fragment."""
    parts = urlsplit(value.strip())
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not (parts.scheme == "https" or local) or not parts.hostname:
        raise ValueError(
            "must be the identity provider's https:// issuer URL, as its "
            "/.well-known/openid-configuration document names it "
            "(http:// only to 127.0.0.1 or localhost, for testing)"
        )
    if parts.query or parts.fragment:
        raise ValueError("must be the issuer URL alone, without ? or #")
    return value.strip()


class OidcSettings(BaseModel):
    """Single sign-on through the council's OpenID Connect provider (off unless all three are set)."""

    model_config = ConfigDict(frozen=True)

    issuer: str
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    # A claim of the ID token listing our role keys; when set, it decides those people's roles.
    roles_claim: str | None = None
    # The sign-in page's button.
    label: str = DEFAULT_SSO_LABEL

    _issuer = field_validator("issuer")(_issuer_url)

    @property
    def discovery_url(self) -> str:
        """The provider's discovery document (OpenID Connect Discovery 1.0, section 4)."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class WorkerSettings(BaseModel):
    """The background worker (`scr worker`) and how fresh its heartbeat must be for /readyz."""

    model_config = ConfigDict(frozen=True)

    interval: float = Field(default=30.0, gt=0, le=3600)
    heartbeat_max_age: float = Field(default=300.0, gt=0)


class EngineSettings(BaseModel):
    """Everything configurable, validated together; `from_env` reads it from `SCR_*` variables."""

    model_config = ConfigDict(frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = DEFAULT_DATABASE_URL
    smtp: SmtpSettings = SmtpSettings()
    web: WebSettings = WebSettings()
    worker: WorkerSettings = WorkerSettings()
    oidc: OidcSettings | None = None
    log_format: str = "console"

    @model_validator(mode="after")
    def _production_rules(self) -> EngineSettings:
        if self.environment is not Environment.PRODUCTION:
            return self
        key = self.web.secret_key.get_secret_value() if self.web.secret_key else ""
        if len(key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"SCR_SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} random "
                "characters in production (every web worker must share it). Make one with "
                "`python3 -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        if self.web.mail_view:
            raise ValueError(
                "SCR_MAIL_VIEW shows every message to every user: it is for development only. "
                "Unset it, or set SCR_ENV=development."
            )
        return self

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    @property
    def safe_database_url(self) -> str:
        """The database URL with any password masked, fit to print."""
        return mask_password(self.database_url)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> EngineSettings:
        """Settings from `SCR_*` environment variables (or `env`), every one checked.

        :raises ConfigInvalid: naming each wrong variable and the fix.
        """
        try:
            if env is None:
                flat = _Environment()
            else:
                flat = _Environment.model_validate(_prefixed(env))
            return flat.engine_settings()
        except ValidationError as err:
            raise ConfigInvalid([_problem(e) for e in err.errors()]) from None

    def described(self) -> list[tuple[str, str]]:
        """Each setting as (variable, value) for `scr config check`, secrets masked."""
        hidden = "(set, hidden)"
        return [
            ("SCR_ENV", self.environment.value),
            ("SCR_DATABASE_URL", self.safe_database_url),
            ("SCR_SECRET_KEY", hidden if self.web.secret_key else "(not set)"),
            ("SCR_SMTP_HOST", self.smtp.host),
            ("SCR_SMTP_PORT", str(self.smtp.port)),
            ("SCR_SMTP_SECURITY", self.smtp.security.value),
            ("SCR_SMTP_USERNAME", self.smtp.username or "(not set)"),
            ("SCR_SMTP_PASSWORD", hidden if self.smtp.password else "(not set)"),
            ("SCR_SMTP_SENDER", self.smtp.sender),
            (
                "SCR_SMTP_MAX_ATTACHMENTS_MB",
                f"{self.smtp.max_attachments_bytes / MEGABYTE:g} MB",
            ),
            ("SCR_WORKER_INTERVAL", f"{self.worker.interval:g} s"),
            ("SCR_HEARTBEAT_MAX_AGE", f"{self.worker.heartbeat_max_age:g} s"),
            ("SCR_TRUSTED_PROXIES", str(self.web.trusted_proxies)),
            ("SCR_HSTS", str(self.web.hsts).lower()),
            ("SCR_MAIL_VIEW", str(self.web.mail_view).lower()),
            ("SCR_LOG_FORMAT", self.log_format),
            *self._described_oidc(hidden),
        ]

    def _described_oidc(self, hidden: str) -> list[tuple[str, str]]:
        oidc = self.oidc
        if oidc is None:
            return [("SCR_OIDC_ISSUER", "(not set: single sign-on is off)")]
        return [
            ("SCR_OIDC_ISSUER", oidc.issuer),
            ("SCR_OIDC_CLIENT_ID", oidc.client_id),
            ("SCR_OIDC_CLIENT_SECRET", hidden),
            ("SCR_OIDC_ROLES_CLAIM", oidc.roles_claim or "(not set)"),
            ("SCR_OIDC_LABEL", oidc.label),
        ]


class _Environment(BaseSettings):
    """The flat `SCR_*` variables as typed fields; `engine_settings` groups them."""

    model_config = SettingsConfigDict(
        env_prefix="SCR_", extra="ignore", case_sensitive=False, frozen=True
    )

    env: Environment = Environment.DEVELOPMENT
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: SecretStr | None = None
    session_cookie_secure: bool = False
    hsts: bool = False
    trusted_proxies: int = 0
    mail_view: bool = False
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: SmtpSecurity = SmtpSecurity.NONE
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = SmtpSettings().sender
    smtp_timeout: float = 10.0
    smtp_max_attachments_mb: float = Field(default=10.0, ge=0)
    worker_interval: float = 30.0
    heartbeat_max_age: float = 300.0
    log_format: str = "console"
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_roles_claim: str | None = None
    oidc_label: str = DEFAULT_SSO_LABEL

    _lower = field_validator("env", "smtp_security", mode="before")(_lower)

    @field_validator("oidc_issuer")
    @classmethod
    def _oidc_issuer(cls, value: str | None) -> str | None:
        return _issuer_url(value) if value and value.strip() else None

    @model_validator(mode="after")
    def _oidc_all_or_none(self) -> _Environment:
        given = {
            "SCR_OIDC_ISSUER": bool(self.oidc_issuer),
            "SCR_OIDC_CLIENT_ID": bool(self.oidc_client_id),
            "SCR_OIDC_CLIENT_SECRET": bool(
                self.oidc_client_secret and self.oidc_client_secret.get_secret_value()
            ),
        }
        if any(given.values()) and not all(given.values()):
            missing = ", ".join(name for name, set_ in given.items() if not set_)
            raise ValueError(
                f"single sign-on needs SCR_OIDC_ISSUER, SCR_OIDC_CLIENT_ID and "
                f"SCR_OIDC_CLIENT_SECRET together; {missing} not set. Set it, or unset "
                "all three to turn single sign-on off."
            )
        return self

    def _oidc(self) -> OidcSettings | None:
        if not (self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret):
            return None
        return OidcSettings(
            issuer=self.oidc_issuer,
            client_id=self.oidc_client_id,
            client_secret=self.oidc_client_secret,
            roles_claim=(self.oidc_roles_claim or "").strip() or None,
            label=self.oidc_label.strip() or DEFAULT_SSO_LABEL,
        )

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> Any:
        value = _lower(value)
        if value not in ("console", "json"):
            raise ValueError("must be console or json")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not re.match(r"^(sqlite|postgresql(\+psycopg)?)://", value):
            raise ValueError(
                "must start with sqlite:/// or postgresql+psycopg:// "
                f"(got {mask_password(value)!r})"
            )
        return value

    def engine_settings(self) -> EngineSettings:
        return EngineSettings(
            environment=self.env,
            database_url=self.database_url,
            log_format=self.log_format,
            smtp=SmtpSettings(
                host=self.smtp_host,
                port=self.smtp_port,
                security=self.smtp_security,
                username=self.smtp_username or None,
                password=self.smtp_password
                if self.smtp_password and self.smtp_password.get_secret_value()
                else None,
                sender=self.smtp_sender,
                timeout=self.smtp_timeout,
                max_attachments_bytes=int(self.smtp_max_attachments_mb * MEGABYTE),
            ),
            web=WebSettings(
                secret_key=self.secret_key
                if self.secret_key and self.secret_key.get_secret_value()
                else None,
                session_cookie_secure=self.session_cookie_secure,
                hsts=self.hsts,
                trusted_proxies=self.trusted_proxies,
                mail_view=self.mail_view,
            ),
            worker=WorkerSettings(
                interval=self.worker_interval,
                heartbeat_max_age=self.heartbeat_max_age,
            ),
            oidc=self._oidc(),
        )


def _prefixed(env: dict[str, str]) -> dict[str, str]:
    return {
        key[4:].lower(): value
        for key, value in env.items()
        if key.upper().startswith("SCR_")
    }


_FIELD_VARIABLES = {
    "env": "SCR_ENV",
    "security": "SCR_SMTP_SECURITY",
    "port": "SCR_SMTP_PORT",
    "timeout": "SCR_SMTP_TIMEOUT",
    "interval": "SCR_WORKER_INTERVAL",
    "trusted_proxies": "SCR_TRUSTED_PROXIES",
}


def _problem(error: Any) -> str:
    """One pydantic error as a sentence naming the environment variable."""
    loc = [str(part) for part in error.get("loc", ()) if not str(part).isdigit()]
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if not loc:
        return message
    field = loc[-1]
    variable = _FIELD_VARIABLES.get(field, f"SCR_{field.upper()}")
    value = error.get("input")
    shown = (
        f" (got {value!r})"
        if isinstance(value, str | int | float)
        and field
        not in ("database_url", "smtp_password", "secret_key", "oidc_client_secret")
        else ""
    )
    return f"{variable}: {message}{shown}"


def mask_password(url: str) -> str:
    """`url` with the password of its user part replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)
