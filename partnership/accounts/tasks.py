"""Background task of accounts: the password-reset email, sent from the queue so the answer to
"Forgot your password?" takes the same time whether or not the address has an account."""

from __future__ import annotations

from partnership.jobs import huey, job_app


@huey.task(retries=2, retry_delay=30)
def send_password_reset_email(user_id: int, link: str) -> None:
    from partnership.accounts.services import password_reset_message
    from partnership.database import reading
    from partnership.extensions import db
    from partnership.mail import send_messages

    app = job_app()
    with app.app_context(), reading():
        message = password_reset_message(user_id, link)
        db.session.remove()
        if message is not None:
            send_messages([message])
