"""From a company's own exports to the contract's data folder (``profitlens import``).

:func:`import_data` runs a mapping (:mod:`.mapping`) over the source files (:mod:`.sources`),
with parsing help for dates and numbers (:mod:`.parsing`).
"""

from .mapping import Mapping, load_mapping
from .run import ImportResult, import_data

__all__ = ["ImportResult", "Mapping", "import_data", "load_mapping"]
