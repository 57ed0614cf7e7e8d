"""The dashboard: ``profitlens serve OUT_DIR`` (contract section 5.6).

:func:`create_app` builds the web application over one output folder; :func:`required_token`
applies the rule of who may reach it.
"""

from .app import create_app
from .security import required_token

__all__ = ["create_app", "required_token"]
