"""The shared extension objects, bound to the application in `create_app`."""

import logging
from typing import Any

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from campaign.abuse.clients import client_key
from campaign.database import Base
from campaign.form_tokens import of_this_site

logger = logging.getLogger("flask_wtf.csrf")


class SiteCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, refusing a post whose Referer cannot be read as one
    from another site. Over HTTPS its check of the Referer (same_origin) raises
    ValueError on a port out of range or a broken IPv6 host, which was a 500."""

    def protect(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().protect(*args, **kwargs)
        except ValueError:
            if of_this_site(request.referrer or "") is None:
                logger.info("The referrer cannot be read.")
                self._error_response("The referrer does not match the host.")
            raise  # not the comparison's: not ours to hide


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = SiteCSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Storage and switches come from the RATELIMIT_* settings (campaign.config); the
# limits themselves are set where each form is handled.
limiter = Limiter(key_func=client_key)
