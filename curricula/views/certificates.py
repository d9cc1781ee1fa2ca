"""Certificates: issuing, PDF downloads (one or all of a training), revocation and the public
verification page (name, training, dates and validity only)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from curricula.forms import RevokeForm
from curricula.services import certificates as services
from curricula.services.trainings import get_training_or_404
from curricula.views import bp
from partnership import audit
from partnership.extensions import db
from partnership.forms import form_status, save_form


def _verify_url(code: str) -> str:
    return url_for("curricula.certificate_verify", code=code, _external=True)


@bp.post("/trainings/<int:training_id>/certificates")
def certificate_issue(training_id: int):
    training = get_training_or_404(training_id, current_user, for_edit=True)
    issued = services.issue_certificates(training)
    db.session.commit()
    if issued:
        flash(_("%(n)s certificates issued.", n=len(issued)), "success")
    else:
        flash(_("No new certificates: everyone eligible already has one."), "info")
    return redirect(url_for("curricula.training_detail", training_id=training.id) + "#certificates")


@bp.get("/trainings/<int:training_id>/certificates.zip")
def certificate_bulk(training_id: int):
    training = get_training_or_404(training_id, current_user)
    certificates = services.certificates_of(training, current_user)
    body = services.certificates_zip(certificates, _verify_url)
    audit.record_event_on_read("certificates_downloaded", training, count=len(certificates))
    response = Response(body, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificates-training-{training.id}.zip"'
    )
    return response


@bp.get("/certificates/<int:certificate_id>.pdf")
def certificate_download(certificate_id: int):
    certificate = services.get_certificate_or_404(certificate_id, current_user)
    if not certificate.is_valid:
        flash(_("This certificate was revoked."), "error")
        return redirect(url_for("curricula.training_detail", training_id=certificate.training_id))
    body = services.certificate_pdf(certificate, _verify_url(certificate.code))
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.code}.pdf"'
    )
    return response


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
def certificate_revoke(certificate_id: int):
    certificate = services.get_certificate_or_404(certificate_id, current_user)
    form = RevokeForm()
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda data: services.revoke_certificate(certificate, current_user, data["reason"]),
        )
        if saved.ok:
            flash(_("Certificate %(code)s was revoked.", code=certificate.code), "success")
            return redirect(
                url_for("curricula.training_detail", training_id=certificate.training_id)
            )
    return render_template(
        "curricula/certificate_revoke.html", certificate=certificate, form=form
    ), form_status(form)


@bp.get("/verify", defaults={"code": ""})
@bp.get("/verify/<code>")
def certificate_verify(code: str):
    code = code or (request.args.get("code") or "").strip()[:40]
    certificate = services.find_by_code(code) if code else None
    status = 404 if code and certificate is None else 200
    return render_template(
        "curricula/certificate_verify.html", code=code, certificate=certificate
    ), status
