"""Error pages: 400, 403, 404, 405, 413, 429 and 500, never with a traceback."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from partnership.extensions import db
from partnership.integrity import violated_constraint
from partnership.redirects import back_link
from partnership.storage import storage_problem
from partnership.submissions import answer_for_twin


def conflict_page(message: str):  # noqa: ANN201
    """The answer when another save won a race: nothing of this request was kept."""
    return render_template(
        "errors/error.html",
        code=409,
        heading=_("Not saved: someone else was faster"),
        message=message,
        back=back_link(),
    ), 409


def cannot_save_page(cause: str, error: BaseException):  # noqa: ANN201
    """The answer when storage refuses writes: the user learns nothing was saved, the
    administrator's log names the cause."""
    from flask import current_app

    current_app.logger.error(
        "cannot save (%s %s): %s [%s: %s]",
        request.method,
        request.path,
        cause,
        type(error).__name__,
        str(error).splitlines()[0] if str(error) else "",
    )
    message = _(
        "The server cannot save right now, so nothing was saved. Try again later; if this goes "
        "on, tell your administrator (the server's log says why)."
    )
    return render_template(
        "errors/error.html",
        code=503,
        heading=_("The server cannot save right now"),
        message=message,
        back=back_link(),
    ), 503


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):  # noqa: ANN001, ANN202
        db.session.rollback()
        message = _("The form expired or was sent from elsewhere. Go back, reload and try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # noqa: ANN202
        db.session.rollback()
        # The API answers in JSON, also for an address under it that matches no endpoint.
        if request.blueprint == "api" or request.path.startswith("/api/v1/"):
            body: dict = {"code": error.code, "status": error.name}
            data = getattr(error, "data", None) or {}
            # Field messages of a refused request (422): the schema's and the services' alike.
            errors = data.get("errors") or data.get("messages")
            if errors:
                body["errors"] = errors
            if data.get("message"):
                body["message"] = str(data["message"])
            return body, error.code or 500, data.get("headers") or {}
        messages = {
            403: _("You do not have access to this page."),
            404: _("This page does not exist, or you do not have access to it."),
            405: _("This action cannot be done this way."),
            413: _("The upload is too large."),
        }
        code = error.code or 500
        template = f"errors/{code}.html" if code in (403, 404) else "errors/error.html"
        message = messages.get(code, error.description)
        return render_template(template, code=code, message=message), code

    @app.errorhandler(StaleDataError)
    def stale_data(error: StaleDataError):  # noqa: ANN202
        db.session.rollback()
        app.logger.info("lost a version race on %s: %s", request.path, error)
        return conflict_page(
            _(
                "Someone else changed this record at the same moment, so your change was not "
                "saved. Open the record again to see what it is now, and repeat your change if "
                "it is still needed."
            )
        )

    @app.errorhandler(IntegrityError)
    def integrity_error(error: IntegrityError):  # noqa: ANN202
        twin = answer_for_twin(error)
        if twin is not None:
            return twin
        db.session.rollback()
        app.logger.info(
            "lost a race on %s (%s): %s", request.path, violated_constraint(error), error.orig
        )
        return conflict_page(
            _(
                "Someone else saved the same thing at the same moment, so yours was not saved. "
                "Open the page again to see what is stored now."
            )
        )

    @app.errorhandler(Exception)
    def server_error(error: Exception):  # noqa: ANN202
        db.session.rollback()
        cause = storage_problem(error)
        if cause is not None:
            return cannot_save_page(cause, error)
        app.logger.exception("unhandled error")
        return render_template("errors/500.html", code=500), 500
