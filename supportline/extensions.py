"""Flask extensions, created unbound and bound to an app in create_app."""

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from supportline.db import Base
from supportline.migrate import LazyMigrate

db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
