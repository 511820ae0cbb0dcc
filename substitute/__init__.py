"""substitute: inventory-aware substitute recommendations for retailers.

Importing the package is cheap: heavy libraries (pandas, lightfm, implicit,
statsmodels) are imported by the modules that need them, never here.
"""

from substitute.errors import SubstituteError

__version__ = "0.1.0"
__all__ = ["SubstituteError", "__version__"]
