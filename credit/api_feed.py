"""JSON API for what leaves the bureau: the published lists (public) and the feed other
departments pull (``civic.credit.feed/1``), with the feedback they send back."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user
from flask_smorest import Blueprint

from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.http_cache import shared_cache
from core.schemas import SQLPage
from credit import schemas
from credit.lists import exports, feed

blp = Blueprint("credit_feed_api", __name__, url_prefix="/api/v1/credit",
                description="Published credit lists and the feed for other departments")


@blp.route("/lists/<list_type>")
class PublishedList(MethodView):
    @roles(PUBLIC)
    @shared_cache()
    @blp.etag
    @blp.arguments(schemas.PublishedListArgs, location="query")
    @blp.response(200, schemas.PublishedEntryOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args, list_type):
        """A published list (red, abnormal, serious, eldercare): search by name or USCC.

        Without credentials the answer may be kept a minute (``Cache-Control: public,
        max-age=60``); ``ETag`` / ``If-None-Match`` answer 304 while the page is unchanged.
        """
        return exports.published_query(list_type, **args)


@blp.route("/feed")
class Feed(MethodView):
    @roles(Role.FEED, Role.REGULATOR)
    @blp.etag
    @blp.arguments(schemas.FeedArgs, location="query")
    @blp.response(200, schemas.FeedPageOut)
    def get(self, args):
        """Every state change of published entries after ``since``, in order.

        Apply ``published``, ``updated`` and ``identity`` (the bureau approved a change of the
        subject's identity: ``current_subject``) as upserts by ``entry_id`` and ``removed`` as
        a delete; continue with ``since=next_since`` while ``has_more``. Starting from 0 and
        applying every event gives exactly the current published lists. ``ETag`` /
        ``If-None-Match`` answer 304 when the page has not changed.
        """
        page = feed.read_feed(args["since"], args["limit"])
        blp.set_etag(page.etag_data)
        return feed.page_out(page)


@blp.route("/feed/feedback")
class Feedback(MethodView):
    @roles(Role.FEED)
    @blp.arguments(schemas.FeedbackIn)
    @blp.response(201, schemas.FeedbackOut)
    def post(self, data):
        """Report which measures your department applied to an entry, and when"""
        return feed.record_feedback(current_user, data["entry_id"], data["measures"],
                                    data["applied_on"], data["note"], data["department"])
