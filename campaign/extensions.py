"""The shared extension objects, bound to the application in `create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from campaign.abuse.clients import client_key
from campaign.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Storage and switches come from the RATELIMIT_* settings (campaign.config); the
# limits themselves are set where each form is handled.
limiter = Limiter(key_func=client_key)
