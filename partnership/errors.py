"""Error pages: 400, 403, 404, 405, 413, 429 and 500, never with a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from partnership.extensions import db


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):  # noqa: ANN001, ANN202
        db.session.rollback()
        message = _("The form expired or was sent from elsewhere. Go back, reload and try again.")
        return render_template("errors/error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # noqa: ANN202
        db.session.rollback()
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

    @app.errorhandler(Exception)
    def server_error(error: Exception):  # noqa: ANN202
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_template("errors/500.html", code=500), 500
