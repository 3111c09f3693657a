"""Settings from the environment, and every policy number of DOMAIN.md in one place.

Policy numbers are the bureau's local choices (daily caps, windows, ratios). They live in
``POLICY_DEFAULTS`` under the names DOMAIN.md uses, are copied into ``app.config`` as
``POLICY_<NAME>``, can be overridden by environment variables of the same name, and are read
through :func:`policy`. Code never carries these numbers as literals.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import current_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# --- policy (DOMAIN.md) ------------------------------------------------------------------
POLICY_DEFAULTS: dict[str, object] = {
    # Accounts: the longest an API token lives (a machine account asks for a new one yearly;
    # tokens made earlier or without an expiry end at this age too).
    "api_token_max_days": 365,
    # Time bank
    "max_session_hours": 12,
    "max_daily_hours": 12,
    "min_volunteer_age": 18,
    "min_redeem_age": 60,
    "redemption_hold_hours": 48,
    "auto_confirm_days": None,  # None: sessions are never confirmed by silence
    "pending_reminder_days": 7,
    "credit_expiry_years": None,  # None: credits never expire
    "credit_minutes_per_service_minute": 1,  # 1 hour of service = 1 hour of credit
    # 志愿服务激励褒奖 (the city plan): star levels by confirmed service hours, 1★ to 5★.
    "volunteer_star_hours": [100, 300, 600, 1000, 1500],
    # Time bank trust (who may create and spend credits; docs/timebank.md, "Trust model")
    "backdate_window_days": 30,  # older sessions: an organization confirms, with a reason
    "review_burst_volunteers": 6,  # one person confirming this many volunteers' sessions…
    "review_burst_days": 7,  # …within this many days goes to the regulators' review queue
    "pay_code_minutes": 5,  # a member's pay code (付款码) for the counter lives this long
    "presentation_minutes": 30,  # counter staff see a member's account this long once shown
    "assisted_redemptions_per_clerk_per_day": 5,  # ID-card redemptions for members without login
    "catalogue_max_price_minutes": 240,  # dearer catalogue items need a regulator's approval
    "redemption_max_quantity": 5,  # items allowing more per redemption need approval too
    "binding_code_days": 14,  # a binding code that lets a login claim a registered person
    # Credit records and lists
    "annual_report_deadline": "06-30",  # MM-DD, for the previous year's report
    "fact_entry_working_days": 5,
    # local: the State Council publishes next year's holidays in late October or November;
    # from this day on, regulators are warned while next year's schedule is not imported.
    "calendar_next_year_warning_from": "11-01",
    "objection_days": 10,  # working days
    "abnormal_auto_removal_months": 6,
    "abnormal_to_serious_years": 2,
    "serious_min_years": 2,
    "serious_warning_count": 2,
    "serious_warning_window_years": 3,
    "serious_fine_yuan": 50000,
    "eldercare_list_years": 3,
    "eldercare_early_removal_years": 2,
    "evaluation_grade_valid_years": 5,
    "repair_working_days": 5,
    "red_list_min_grade": 4,
    "red_list_clean_years": 3,
    "red_list_report_years": 2,
    "red_list_min_score_grade": "A",
    "red_list_valid_years": 1,  # credit: a red-list entry lasts until the next yearly review
    "unreachable_letter_min_days": 20,  # two registered letters, 20–60 days apart
    "unreachable_letter_max_days": 60,
    # Random inspections: share of each risk tier drawn
    "inspection_ratios": {"red": 0.30, "yellow": 0.15, "blue": 0.05, "green": 0.03},
    "inspectors_per_subject": 2,
    # local: a draw's commitment stays published this long before its secret may be revealed
    "inspection_reveal_min_hours": 24,
    # Scoring
    "score_base": 600,
    "score_base_odds": 50,
    "score_pdo": 20,
    "score_min": 300,
    "score_max": 900,
    "score_promotion_max_auc_drop": 0.01,
    # A retrained model replaces the active one only if, on the same held-out window, the
    # population stability of their scores stays below this (credit/scoring/training.py).
    "score_promotion_max_psi": 0.25,
    "score_retrain_months": 3,  # the scheduled job retrains the score model this often
    # Drift of the scores since training (PSI): watch from 0.10, alarm from 0.25.
    "score_psi_watch": 0.10,
    "score_psi_alarm": 0.25,
    # Grades as predicted risk relative to the base rate b: A ≤ 0.5·b, B ≤ b, C ≤ 2·b, D above.
    "score_grade_risk_ratio": {"A": 0.5, "B": 1.0, "C": 2.0},
    "score_review_grade": "D",  # the lowest band goes to the regulators' review queue
    # Notices (core.notices). DOMAIN.md is silent on delivery: where the law gives a number it
    # is cited; the rest are the bureau's local choices.
    "delivery_confirm_days": 10,  # local: wait this long for a confirmed delivery, then 公告
    # 《民事诉讼法》(2021 修正) 第九十五条, applied to administrative notices through
    # 《行政处罚法》第六十一条: a public notice counts as served 30 days after publication.
    "public_notice_days": 30,
    "delivery_retry_minutes": 10,  # local: first retry after 10 min, doubling after each failure
    "delivery_max_tries": 5,  # local: then the channel is given up (others and 公告 remain)
    # Charity
    "matching_interval_minutes": 15,
    "matching_max_km": 30,
    "matching_nearest_k": 20,
    "proposal_response_days": 3,
    # charity: DOMAIN.md weighs matches "by urgency and deadline"; a need due within this many
    # days outranks same-urgency needs due later (never a more urgent one).
    "matching_deadline_soon_days": 3,
    # charity: weight of one matched unit for urgency 1, 2, 3, 4 (strictly increasing; doubling
    # means one urgency-4 unit outweighs seven urgency-1 units).
    "matching_urgency_weights": [1, 2, 4, 8],
}


def _env_policy(name: str, default: object) -> object:
    raw = os.environ.get(f"POLICY_{name.upper()}")
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def instance_path() -> Path:
    """The instance folder (the SQLite database, development keys, backups, the scheduler log
    of ``make run``): ``INSTANCE_PATH`` from the environment, else ``instance/`` in the
    checkout. Moving it keeps a read-only checkout, or several deployments of one checkout."""
    raw = os.environ.get("INSTANCE_PATH", "").strip()
    return Path(raw).expanduser().resolve() if raw else PROJECT_ROOT / "instance"


def _default_sqlite_url() -> str:
    return f"sqlite:///{instance_path() / 'civic.sqlite3'}"


class Config:
    """Settings from the environment. Production is the default: the three keys must be set
    (``core.keys`` stops the app otherwise); ``APP_ENV=development`` generates them in the
    instance folder instead."""

    def __init__(self) -> None:
        env = os.environ
        # "production" (default) or "development" (make run, the tests, the benches).
        self.APP_ENV = env.get("APP_ENV", "production").strip().lower() or "production"
        self.INSTANCE_PATH = str(instance_path())
        self.SECRET_KEY = env.get("SECRET_KEY", "")
        self.SQLALCHEMY_DATABASE_URI = _normalize_db_url(
            env.get("DATABASE_URL") or _default_sqlite_url()
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        # Personal ID numbers and phones are encrypted at rest; a keyed hash finds them.
        # ID_ENCRYPTION_KEYS is a comma-separated list of Fernet keys, newest first (rotation).
        self.ID_ENCRYPTION_KEYS = env.get("ID_ENCRYPTION_KEYS", "")
        self.ID_HASH_KEY = env.get("ID_HASH_KEY", "")
        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
        self.LANGUAGES = {"zh_CN": "中文", "en": "English"}
        self.BABEL_TRANSLATION_DIRECTORIES = ";".join(
            str(PROJECT_ROOT / pkg / "translations")
            for pkg in ("core", "timebank", "charity", "credit")
        )
        self.API_TITLE = "Civic Time Bank, Charity Exchange and Credit API"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        self.OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"
        self.WTF_CSRF_TIME_LIMIT = None  # forms left open on a phone for hours still submit
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Secure cookies: unset (None) means "on when served over HTTPS", that is when
        # PREFERRED_URL_SCHEME=https or BEHIND_PROXY=1 (decided in core.ops.init_app).
        self.SESSION_COOKIE_SECURE = _env_flag("SESSION_COOKIE_SECURE")
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = _env_flag("REMEMBER_COOKIE_SECURE")
        # Behind a reverse proxy that terminates TLS: trust one hop of X-Forwarded-For and
        # X-Forwarded-Proto (werkzeug ProxyFix). docs/operations.md.
        self.BEHIND_PROXY = bool(_env_flag("BEHIND_PROXY"))
        self.PREFERRED_URL_SCHEME = env.get("PREFERRED_URL_SCHEME", "http")
        self.HSTS_SECONDS = int(env.get("HSTS_SECONDS", "0"))  # >0: send HSTS on HTTPS
        # Logs: "text" (readable) or "json" (one object per line); core/logging.py.
        self.LOG_FORMAT = env.get("LOG_FORMAT", "text").strip().lower()
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO").strip().upper()
        # Backups (flask backup / restore): where files go by default, PostgreSQL tools.
        self.BACKUP_DIR = env.get("BACKUP_DIR") or str(instance_path() / "backups")
        self.PG_DUMP = env.get("PG_DUMP", "")
        self.PG_RESTORE = env.get("PG_RESTORE", "")
        # Request bodies: 1 MiB; views taking a file declare their own (core.inputs).
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", str(1024 * 1024)))
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT", "10 per minute")
        # Sign-in failures per (username, address): this many are free, then each further
        # attempt waits LOGIN_BACKOFF_SECONDS, doubling, up to LOGIN_BACKOFF_MAX_MINUTES.
        self.LOGIN_FREE_FAILURES = int(env.get("LOGIN_FREE_FAILURES", "5"))
        self.LOGIN_BACKOFF_SECONDS = int(env.get("LOGIN_BACKOFF_SECONDS", "30"))
        self.LOGIN_BACKOFF_MAX_MINUTES = int(env.get("LOGIN_BACKOFF_MAX_MINUTES", "15"))
        # How often a waiting scheduler tries to lead, and the leader checks its lock.
        self.SCHEDULER_LEADER_POLL_SECONDS = float(env.get("SCHEDULER_LEADER_POLL_SECONDS", "5"))
        # Registration and real-name claims answer alike whatever is registered; the limit
        # keeps anyone from asking about many ID numbers (per address).
        self.REGISTER_RATE_LIMIT = env.get("REGISTER_RATE_LIMIT", "20 per hour")
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
        self.ISSUER_NAME = env.get("ISSUER_NAME", "常州市民政局")
        # Delivery of notices (core.notices.channels): without SMTP_HOST / SMS_GATEWAY_URL
        # emails and texts are written to the log only (and never count as delivered).
        self.SMTP_HOST = env.get("SMTP_HOST", "")
        self.SMTP_PORT = int(env.get("SMTP_PORT", "25"))
        self.SMTP_STARTTLS = env.get("SMTP_STARTTLS", "0") == "1"
        self.SMTP_USER = env.get("SMTP_USER", "")
        self.SMTP_PASSWORD = env.get("SMTP_PASSWORD", "")
        self.SMTP_FROM = env.get("SMTP_FROM", "notices@localhost")
        self.SMTP_TIMEOUT = float(env.get("SMTP_TIMEOUT", "20"))
        self.SMS_GATEWAY_URL = env.get("SMS_GATEWAY_URL", "")
        self.SMS_GATEWAY_TOKEN = env.get("SMS_GATEWAY_TOKEN", "")
        self.SMS_GATEWAY_TIMEOUT = float(env.get("SMS_GATEWAY_TIMEOUT", "10"))
        self.DEMO_SEED = int(env.get("DEMO_SEED", "20261129"))
        self.TESTING = False
        for name, default in POLICY_DEFAULTS.items():
            setattr(self, f"POLICY_{name.upper()}", _env_policy(name, default))

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def _env_flag(name: str) -> bool | None:
    """An on/off environment variable: None when unset, so a default can be derived."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return None
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _normalize_db_url(url: str) -> str:
    # Heroku-style and bare postgres URLs go through psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def policy(name: str):
    """A policy number by its DOMAIN.md name, e.g. ``policy("max_daily_hours")``."""
    key = f"POLICY_{name.upper()}"
    if key not in current_app.config:
        raise KeyError(f"unknown policy setting {name!r}")
    return current_app.config[key]
